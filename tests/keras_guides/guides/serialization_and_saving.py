"""ember adaptation of Keras's guide "Save, serialize, and export models" (`guides/serialization_and_saving.py`).

Source: keras-team/keras-io, guides/serialization_and_saving.py, the Keras 3 version
("Last modified: 2023/06/30"; the search index that provided it does not name the commit, hence the
label "lastmod-2023-06-30" in SOURCE). License: Apache-2.0 (keras-team, keras-io).
The original text is not committed here (see tests/keras_guides/sources.py); these are the only changes.
Changes on both sides (ember and real Keras): none.
Changes on the ember side only: `import keras` -> `import ember as keras`, `from keras import` -> `from ember import`.
"""

SOURCE = ("keras-team/keras-io", "lastmod-2023-06-30", "guides/serialization_and_saving.py")
EDITS = []
EMBER_EDITS = []
