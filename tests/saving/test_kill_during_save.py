"""SIGKILL while ``model.save`` runs in a loop: the file always loads as one complete version (D1)."""

import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

import ember

SCRIPT = textwrap.dedent(
    """
    import sys
    import ember
    from ember import layers

    path = sys.argv[1]
    model = ember.Sequential([layers.Dense(64, input_dim=64), layers.Dense(64)])
    model.compile("adam", "mse")
    zeros, ones = [w * 0 for w in model.get_weights()], [w * 0 + 1 for w in model.get_weights()]
    model.set_weights(zeros)
    model.save(path)
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        model.set_weights(ones if i % 2 else zeros)
        model.save(path)
    """
)


def test_sigkill_during_save_leaves_a_complete_file(tmp_path):
    script = tmp_path / "saver.py"
    script.write_text(SCRIPT)
    path = tmp_path / "model.keras"
    rng = np.random.default_rng(0)
    for trial in range(4):
        proc = subprocess.Popen([sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(float(rng.uniform(0.05, 0.4)))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()
        model = ember.models.load_model(str(path))
        values = {float(v) for w in model.get_weights() for v in np.unique(w)}
        assert values in ({0.0}, {1.0}), f"trial {trial}: a mix of two saves: {values}"
        strays = [p for p in pathlib.Path(tmp_path).iterdir() if p.name.startswith(".ember-")]
        assert len(strays) <= 1
