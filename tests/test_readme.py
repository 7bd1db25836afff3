"""The README's code runs as written, and its commands are the ones CI uses."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run(capsys, tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)  # blocks that write files write them here
    namespace: dict = {}
    # the tour and "See every step" (which uses the tour's model); the other sections have their own tests
    for block in blocks[:2] + [b for b in blocks if "explain.forward(model" in b]:
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    w = namespace["w"].numpy()
    assert w.shape == (3, 1) and namespace["w"].grad is None
    out = capsys.readouterr().out
    assert "Epoch 10/10" in out
    assert "Forward pass of" in out and "W ← W − η·dL/dW" in out and namespace["dot"].startswith("digraph")


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    assert len(commands) >= 2 and "ember train" in commands[0] and "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
