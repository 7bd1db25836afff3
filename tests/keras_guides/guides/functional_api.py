"""ember adaptation of Keras's guide "The Functional API" (`guides/functional_api.py`).

Source: keras-team/keras at commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60, file guides/functional_api.py
License: Apache-2.0 (keras-team, keras-io). The
original text is not committed here (see tests/keras_guides/sources.py); these are the only changes.
Changes on both sides (ember and real Keras), listed in EDITS: MNIST reduced to 1,000/200 samples and 1 epoch;
dummy data 1280 -> 128 samples; CIFAR-10 download replaced by random uint8 arrays of its shapes (ember has no
offline CIFAR-10).
Changes on the ember side only: `import keras` -> `import ember as keras`, `from keras import` -> `from ember
import` (done by the harness).
"""

SOURCE = ("keras-team/keras", "3422977a5e38fb2f7709aaa9a08e47f0c43d0f60", "guides/functional_api.py")
EDITS = [
    # MNIST reduced to 1,000 train / 200 test samples, 1 epoch (runtime on 2 CPU cores).
    ("x_train = x_train.reshape(60000, 784)", "x_train = x_train[:1000].reshape(1000, 784)"),
    ("x_test = x_test.reshape(10000, 784)", "x_test = x_test[:200].reshape(200, 784)"),
    ("x_train, y_train, batch_size=64, epochs=2", "x_train, y_train[:1000], batch_size=64, epochs=1"),
    ("model.evaluate(x_test, y_test, verbose=2)", "model.evaluate(x_test, y_test[:200], verbose=2)"),
    # Dummy multi-input data: 1280 -> 128 samples, 2 epochs -> 1.
    ("size=(1280,", "size=(128,", 5),
    ("    epochs=2,\n    batch_size=32,", "    epochs=1,\n    batch_size=32,"),
    # CIFAR-10 download: ember has no offline CIFAR-10; random uint8 arrays of CIFAR-10's shapes instead.
    ("(x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()",
     "(x_train, y_train), (x_test, y_test) = ("
     "(np.random.randint(0, 256, (128, 32, 32, 3)).astype(\"uint8\"), np.random.randint(0, 10, (128, 1))), "
     "(np.random.randint(0, 256, (32, 32, 32, 3)).astype(\"uint8\"), np.random.randint(0, 10, (32, 1))))"),
]
EMBER_EDITS = []
