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

# tf.data pipelines -> a framework-neutral `keras.utils.PyDataset` of shuffled NumPy batches (same text on both
# sides; neither venv has TensorFlow). `NumpyBatches` stands in for
# `tf.data.Dataset.from_tensor_slices(data).shuffle(buffer_size=...).batch(batch_size)`.
NUMPY_BATCHES = '''class NumpyBatches(keras.utils.PyDataset):
    """Mini-batches of `data` (arrays, or tuples/dicts of arrays), reshuffled every epoch if `shuffle`."""

    def __init__(self, data, batch_size=64, shuffle=False, seed=1337):
        super().__init__()
        self.data, self.batch_size, self.shuffle = data, batch_size, shuffle
        first = data
        while isinstance(first, (tuple, list, dict)):
            first = list(first.values())[0] if isinstance(first, dict) else first[0]
        self.order = np.arange(len(first))
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self):
        return -(-len(self.order) // self.batch_size)

    def _take(self, data, idx):
        if isinstance(data, dict):
            return {key: self._take(value, idx) for key, value in data.items()}
        if isinstance(data, (tuple, list)):
            return tuple(self._take(value, idx) for value in data)
        return data[idx]

    def __getitem__(self, index):
        return self._take(self.data, self.order[index * self.batch_size : (index + 1) * self.batch_size])

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)


'''
EDITS += [
    # No TensorFlow in the venv: the tf.data pipelines below use NumpyBatches (a keras.utils.PyDataset) instead.
    ("import tensorflow as tf\n", "# was: import tensorflow as tf (tf.data pipelines replaced by NumpyBatches)\n"),
    # Define NumpyBatches right before the guide's first tf.data section.
    ("# First, let's create a training Dataset instance.",
     NUMPY_BATCHES + "# First, let's create a training Dataset instance."),
    # from_tensor_slices(data) -> the data itself; .shuffle(1024).batch(64) -> NumpyBatches(..., shuffle=True).
    ("train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train))",
     "train_dataset = (x_train, y_train)  # was: tf.data.Dataset.from_tensor_slices((x_train, y_train))", 4),
    ("train_dataset = train_dataset.shuffle(buffer_size=1024).batch(64)",
     "train_dataset = NumpyBatches(train_dataset, 64, shuffle=True)  # was: .shuffle(buffer_size=1024).batch(64)", 6),
    ("test_dataset = tf.data.Dataset.from_tensor_slices((x_test, y_test))",
     "test_dataset = (x_test, y_test)  # was: tf.data.Dataset.from_tensor_slices((x_test, y_test))"),
    ("test_dataset = test_dataset.batch(64)", "test_dataset = NumpyBatches(test_dataset, 64)  # was: .batch(64)"),
    ("val_dataset = tf.data.Dataset.from_tensor_slices((x_val, y_val))",
     "val_dataset = (x_val, y_val)  # was: tf.data.Dataset.from_tensor_slices((x_val, y_val))", 2),
    ("val_dataset = val_dataset.batch(64)", "val_dataset = NumpyBatches(val_dataset, 64)  # was: .batch(64)", 2),
    ("train_dataset = tf.data.Dataset.from_tensor_slices(\n",
     "train_dataset = (  # was: tf.data.Dataset.from_tensor_slices(\n", 2),
]
