"""ember adaptation of Keras's guide "Transfer learning & fine-tuning" (`guides/transfer_learning.py`).

Source: keras-team/keras at commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60, file guides/transfer_learning.py
License: Apache-2.0 (keras-team, keras-io). The
original text is not committed here (see tests/keras_guides/sources.py); these are the only changes.
Changes on both sides (ember and real Keras), listed in EDITS: none.
Changes on the ember side only: `import keras` -> `import ember as keras`, `from keras import` -> `from ember
import` (done by the harness).
"""

SOURCE = ("keras-team/keras", "3422977a5e38fb2f7709aaa9a08e47f0c43d0f60", "guides/transfer_learning.py")
EDITS = []
EMBER_EDITS = []
