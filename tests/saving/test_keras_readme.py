"""The README's "Keras files" example runs as written (its ``py`` block is outside test_readme's count)."""

import pathlib
import re

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_readme_keras_files_example_runs(tmp_path, monkeypatch):
    section = (ROOT / "README.md").read_text().split("### Keras files", 1)[1]
    block = re.search(r"```py\n(.*?)```", section, flags=re.S).group(1)
    assert len(block.strip().splitlines()) == 5
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    x = np.ones((2, 4), "float32")
    np.testing.assert_array_equal(namespace["again"].predict(x, verbose=0), namespace["model"].predict(x, verbose=0))
    assert (tmp_path / "m.keras").exists() and (tmp_path / "m.weights.h5").exists()
