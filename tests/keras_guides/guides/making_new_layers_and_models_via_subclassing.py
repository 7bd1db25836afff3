"""ember adaptation of Keras's guide "Making new layers and models via subclassing"
(`guides/making_new_layers_and_models_via_subclassing.py`).

Source: keras-team/keras at commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60, file
guides/making_new_layers_and_models_via_subclassing.py.
License: Apache-2.0 (keras-team, keras-io). The original text is not committed here (see
tests/keras_guides/sources.py); these are the only changes.
Changes on both sides (ember and real Keras), listed in EDITS: MNIST reduced to 2,000 samples and 1 epoch.
Changes on the ember side only: `import keras` -> `import ember as keras`, `from keras import` -> `from ember
import` (done by the harness).
"""

SOURCE = (
    "keras-team/keras",
    "3422977a5e38fb2f7709aaa9a08e47f0c43d0f60",
    "guides/making_new_layers_and_models_via_subclassing.py",
)
EDITS = [
    # MNIST reduced to 2,000 samples, 2 epochs -> 1 (runtime on 2 CPU cores).
    ("x_train = x_train.reshape(60000, 784)", "x_train = x_train[:2000].reshape(2000, 784)"),
    ("vae.fit(x_train, x_train, epochs=2, batch_size=64)", "vae.fit(x_train, x_train, epochs=1, batch_size=64)"),
]
EMBER_EDITS = []
