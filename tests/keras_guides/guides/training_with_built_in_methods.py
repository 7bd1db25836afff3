"""ember adaptation of Keras's guide "Training & evaluation with the built-in methods"
(`guides/training_with_built_in_methods.py`).

Source: keras-team/keras at commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60, file
guides/training_with_built_in_methods.py.
License: Apache-2.0 (keras-team, keras-io). The original text is not committed here (see
tests/keras_guides/sources.py); these are the only changes.
Changes on both sides (ember and real Keras), listed in EDITS: MNIST reduced to 1,200 train (200 of them
validation) / 200 test samples; epochs 2/3/20 -> 1/1/2, steps_per_epoch 100 -> 10.
Changes on the ember side only: `import keras` -> `import ember as keras`, `from keras import` -> `from ember
import` (done by the harness).
"""

SOURCE = ("keras-team/keras", "3422977a5e38fb2f7709aaa9a08e47f0c43d0f60", "guides/training_with_built_in_methods.py")
EDITS = [
    # MNIST reduced to 1,200 train (of which 200 validation) / 200 test samples (runtime on 2 CPU cores).
    ("x_train = x_train.reshape(60000, 784)", "x_train = x_train[:1200].reshape(1200, 784)"),
    ("x_test = x_test.reshape(10000, 784)", "x_test = x_test[:200].reshape(200, 784)"),
    ("y_train = y_train.astype(\"float32\")", "y_train = y_train[:1200].astype(\"float32\")"),
    ("y_test = y_test.astype(\"float32\")", "y_test = y_test[:200].astype(\"float32\")"),
    ("x_val = x_train[-10000:]", "x_val = x_train[-200:]"),
    ("y_val = y_train[-10000:]", "y_val = y_train[-200:]"),
    ("x_train = x_train[:-10000]", "x_train = x_train[:-200]"),
    ("y_train = y_train[:-10000]", "y_train = y_train[:-200]"),
    # Fewer epochs / steps.
    ("epochs=2,", "epochs=1,", 2),
    ("epochs=3", "epochs=1", 3),
    ("steps_per_epoch=100", "steps_per_epoch=10"),
    ("epochs=20,", "epochs=2,"),
]
EMBER_EDITS = []
