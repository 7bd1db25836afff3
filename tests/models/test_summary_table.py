"""model.summary(): Keras 3's table and its trainable / non-trainable totals."""

import numpy as np

import ember
from ember import layers
from tests.keras_ref.keras_runner import run_keras


def _lines(model):
    out = []
    model.summary(print_fn=out.append)
    return out


def test_sequential_summary_with_non_trainable_weights():
    model = ember.Sequential([layers.Dense(4, input_dim=3), layers.BatchNormalization(), layers.Dense(2)])
    lines = _lines(model)
    assert lines[0] == 'Model: "' + model.name + '"'
    assert lines[1].startswith("┏") and lines[2].startswith("┃ Layer (type)") and "Param #" in lines[2]
    body = "\n".join(lines)
    assert "(None, 4)" in body and "(None, 2)" in body
    # Dense 3*4+4 = 16, BatchNormalization 4*4 = 16 (gamma, beta trainable; moving mean/var not), Dense 4*2+2 = 10
    assert lines[-3] == " Total params: 42 (168.00 B)"
    assert lines[-2] == " Trainable params: 34 (136.00 B)"
    assert lines[-1] == " Non-trainable params: 8 (32.00 B)"


def test_frozen_layer_moves_params_to_non_trainable():
    first = layers.Dense(4, input_dim=3)
    model = ember.Sequential([first, layers.Dense(2)])
    first.trainable = False
    lines = _lines(model)
    assert lines[-2] == " Trainable params: 10 (40.00 B)"
    assert lines[-1] == " Non-trainable params: 16 (64.00 B)"


def test_functional_graph_summary_has_connected_to_column():
    a, b = ember.Input(shape=(3,), name="a"), ember.Input(shape=(2,), name="b")
    shared = layers.Dense(4, name="shared")
    model = ember.Model([a, b], [layers.Add(name="join")([shared(a), layers.Dense(4, name="side")(b)]),
                                 layers.Dense(1, name="head")(shared(a))])  # fmt: skip
    lines = _lines(model)
    assert "Connected to" in lines[2] and len(lines[1]) == 108
    body = "\n".join(lines)
    join = next(i for i, line in enumerate(lines) if "join (Add)" in line)
    assert "shared[0][0]" in lines[join] and "side[0][0]" in lines[join + 1]
    assert "shared[1][0]" in next(line for line in lines if "head (Dense)" in line)
    assert "a (InputLayer)" in body and "Total params: 33" in body


def test_chain_functional_summary_has_three_columns():
    x = ember.Input(shape=(3,))
    lines = _lines(ember.Model(x, layers.Dense(2)(layers.Dense(4)(x))))
    assert "Connected to" not in lines[2] and len(lines[1]) == 75


def test_multi_output_layer_lists_every_shape_wrapped_inside_its_column():
    x = ember.Input(shape=(5, 3))
    lines = _lines(ember.Model(x, layers.LSTM(8, return_state=True, name="lstm")(x)))
    at = next(i for i, line in enumerate(lines) if "lstm (LSTM)" in line)
    cell = (lines[at].split("│")[2] + lines[at + 1].split("│")[2]).split()
    assert " ".join(cell) == "[(None, 8), (None, 8), (None, 8)]"  # all three outputs: sequence end, h, c
    assert len({len(line) for line in lines[1:-3]}) == 1  # the wrapped shape keeps the borders aligned



_TRAINABLE_MODELS = """
seq = K.Sequential([K.Input((4,)), K.layers.Dense(3), K.layers.BatchNormalization(), K.layers.Dense(2)])
seq.layers[0].trainable = False
i = K.Input((4,))
graph = K.Model(i, K.layers.Concatenate()([K.layers.Dense(3, trainable=False)(i), K.layers.Dense(2)(i)]))
outer = K.Sequential([K.Input((4,)), seq, K.layers.Dropout(0.1), K.layers.Dense(1)])
flags = []
for model in (seq, graph, outer):
    out = []
    model.summary(print_fn=out.append, show_trainable=True)
    cells = [line.split("\u2502")[-2].strip() for line in "\\n".join(out).splitlines() if line.startswith("\u2502")]
    flags.append([cell for cell in cells if cell])  # continuation rows have an empty "Trainable" cell
    header = out[0].splitlines()[2] if len(out[0].splitlines()) > 2 else out[2]
    assert "Trai" in header, header
"""


def test_show_trainable_column_matches_keras():
    keras_flags = run_keras("K = keras\n" + _TRAINABLE_MODELS + "result = flags\n")
    namespace = {"K": ember}
    exec(_TRAINABLE_MODELS, namespace)
    assert namespace["flags"] == keras_flags
    # Y/N = layer.trainable for layers with weights, "-" for layers without (InputLayer, Concatenate, Dropout)
    assert keras_flags == [["N", "Y", "Y"], ["-", "N", "Y", "-"], ["Y", "-", "Y"]]


_OPTIMIZER_MODEL = """
model = K.Sequential([K.Input((3,)), K.layers.Dense(4), K.layers.BatchNormalization(), K.layers.Dense(1)])
model.compile(optimizer=K.optimizers.Adam(), loss="mse")
before = []
model.summary(print_fn=before.append)
model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), epochs=1, verbose=0)
after = []
model.summary(print_fn=after.append)
totals = [[line.strip() for line in "\\n".join(out).splitlines() if line.strip().endswith(")")
           and line.strip().split(":")[0] in ("Total params", "Trainable params", "Non-trainable params",
                                             "Optimizer params")] for out in (before, after)]
"""


def test_summary_counts_optimizer_params_once_built_like_keras():
    keras_totals = run_keras("K = keras\n" + _OPTIMIZER_MODEL + "result = totals\n")
    namespace = {"K": ember, "np": np}
    exec(_OPTIMIZER_MODEL, namespace)
    assert namespace["totals"] == keras_totals
    # Adam after one step: m and v of the 16 + 8 (BatchNormalization gamma, beta) + 5 = 29 trainable weights,
    # iterations and learning_rate; before the first step Keras prints no optimizer line
    assert keras_totals[1][-1] == "Optimizer params: 60 (240.00 B)" and len(keras_totals[0]) == 3
