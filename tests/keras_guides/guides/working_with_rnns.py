"""ember adaptation of Keras's guide "Working with RNNs" (`guides/working_with_rnns.py`).

Source: keras-team/keras-io at commit 4849412cb6cd6089949fb97edf1758083c964416, guides/working_with_rnns.py
(the Keras 3 version, "Last modified: 2023/07/10"). License: Apache-2.0 (keras-team, keras-io).
The original text is not committed here (see tests/keras_guides/sources.py); these are the only changes.
Changes on both sides (ember and real Keras), listed in EDITS: MNIST reduced to 256 train / 64 test
samples; the nested-cell random data reduced from 10 batches x 50 timesteps to 1 batch x 5 timesteps.
Changes on the ember side only, listed in EMBER_EDITS: `import keras` -> `import ember as keras`,
`from keras import` -> `from ember import`; the TensorFlow-specific code (`import tensorflow as tf`,
`tf.device`/`tf.argmax`/`tf.expand_dims`, and `tf.TensorShape`/`tf.nest.flatten`/`tf.matmul`/`tf.einsum`
in `NestedCell`) rewritten with `ember.ops`, the original kept as a comment next to each line.
"""

SOURCE = ("keras-team/keras-io", "4849412cb6cd6089949fb97edf1758083c964416", "guides/working_with_rnns.py")
EDITS = [
    ("x_train, x_test = x_train / 255.0, x_test / 255.0",
     "x_train, x_test = x_train[:256] / 255.0, x_test[:64] / 255.0"),
    ("x_train, y_train, validation_data=(x_test, y_test), batch_size=batch_size, epochs=1",
     "x_train, y_train[:256], validation_data=(x_test, y_test[:64]), batch_size=batch_size, epochs=1", 2),
    ("num_batches = 10", "num_batches = 1"),
    ("timestep = 50", "timestep = 5"),
]
EMBER_EDITS = [
    ("import tensorflow as tf", "from ember import ops as tf_free_ops  # was: import tensorflow as tf"),
    ('with tf.device("CPU:0"):', 'if True:  # was: with tf.device("CPU:0"):'),
    ("    result = tf.argmax(cpu_model.predict_on_batch(tf.expand_dims(sample, 0)), axis=1)",
     "    # was: result = tf.argmax(cpu_model.predict_on_batch(tf.expand_dims(sample, 0)), axis=1)\n"
     "    result = tf_free_ops.argmax(cpu_model.predict_on_batch(tf_free_ops.expand_dims(sample, 0)), axis=1)"),
    ("result.numpy(), sample_label", "tf_free_ops.convert_to_numpy(result), sample_label"),
    ("        self.state_size = [tf.TensorShape([unit_1]), tf.TensorShape([unit_2, unit_3])]\n"
     "        self.output_size = [tf.TensorShape([unit_1]), tf.TensorShape([unit_2, unit_3])]",
     "        # was: self.state_size = [tf.TensorShape([unit_1]), tf.TensorShape([unit_2, unit_3])]\n"
     "        self.state_size = [(unit_1,), (unit_2, unit_3)]\n"
     "        # was: self.output_size = [tf.TensorShape([unit_1]), tf.TensorShape([unit_2, unit_3])]\n"
     "        self.output_size = [(unit_1,), (unit_2, unit_3)]"),
    ("        input_1, input_2 = tf.nest.flatten(inputs)",
     "        input_1, input_2 = inputs  # was: input_1, input_2 = tf.nest.flatten(inputs)"),
    ("        output_1 = tf.matmul(input_1, self.kernel_1)\n"
     '        output_2_3 = tf.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)',
     "        output_1 = tf_free_ops.matmul(input_1, self.kernel_1)  # was: tf.matmul(input_1, self.kernel_1)\n"
     '        # was: output_2_3 = tf.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)\n'
     '        output_2_3 = tf_free_ops.einsum("bij,ijkl->bkl", input_2, self.kernel_2_3)'),
]
