"""ember adaptation of Keras's guide "Writing your own callbacks" (`guides/writing_your_own_callbacks.py`).

Source: keras-team/keras at commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60, file
guides/writing_your_own_callbacks.py.
License: Apache-2.0 (keras-team, keras-io). The original text is not committed here (see
tests/keras_guides/sources.py); these are the only changes.
Changes on both sides (ember and real Keras), listed in EDITS: epochs 2/30/15 -> 1/3/3.
Changes on the ember side only: `import keras` -> `import ember as keras`, `from keras import` -> `from ember
import` (done by the harness).
"""

SOURCE = ("keras-team/keras", "3422977a5e38fb2f7709aaa9a08e47f0c43d0f60", "guides/writing_your_own_callbacks.py")
EDITS = [
    # Epochs 2/30/15 -> 1/3/3 (runtime on 2 CPU cores; the guide already uses 1,000 MNIST samples).
    ("    epochs=2,", "    epochs=1,"),
    ("    epochs=30,", "    epochs=3,"),
    ("    epochs=15,", "    epochs=3,"),
]
EMBER_EDITS = []
