"""tools/keras_guide_runner.py: imports are rewritten to ember and each top-level statement is counted."""

import importlib.util
from pathlib import Path

SPEC = importlib.util.spec_from_file_location("runner", Path(__file__).resolve().parents[1] / "tools" /
                                              "keras_guide_runner.py")  # fmt: skip
runner = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(runner)


def test_rewrite_points_imports_at_ember_and_counts_statements():
    text = '"""Title"""\nimport tensorflow as tf\nimport keras\nfrom keras import layers\n'
    text += "x = tf.ones((2, 3))\ny = layers.Dense(4)(x)\nz = keras.layers.NoSuchLayer(1)\nprint(y.shape)\n"
    code = runner.rewrite(text, real_keras=False)
    assert "import ember as keras" in code and "from ember import layers" in code and "tensorflow" not in code
    ok, total, failures = runner.run(code)
    assert (ok, total) == (5, 6)  # the docstring is not a statement; NoSuchLayer fails, the rest runs
    assert len(failures) == 1 and "NoSuchLayer" in failures[0] and "not in ember yet" in failures[0]
