"""The README's code runs as written, and its commands are the ones CI uses."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    for block in blocks[:2]:  # the tour; the sections after it have their own tests
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    w = namespace["w"].numpy()
    assert w.shape == (3, 1) and namespace["w"].grad is None
    assert "Epoch 10/10" in capsys.readouterr().out


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    assert len(commands) >= 2 and "ember train" in commands[0] and "pytest" in commands[1]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
