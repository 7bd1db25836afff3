"""Seed 003: the Keras demo with dummy data, run on ember.

From the course notes (003): a Sequential model with one hidden layer of 3
ReLU neurons and a sigmoid output, trained for one epoch on 5 dummy points.
Only the import lines differ from the notes (``tensorflow.keras`` → ``ember``).
"""

import ember as tf  # noqa: F401  (the notes import tensorflow as tf)
from ember import layers, models

import numpy as np

# Dummy input data (5 data points, 2 features each)
X_train = np.array([[1, 2], [2, 3], [3, 4], [4, 5], [5, 6]])

# Dummy output data (5 target values)
y_train = np.array([0, 1, 0, 1, 0])

model = models.Sequential([
    layers.Dense(3, input_dim=2, activation='relu'), # Hidden layer with 3 neurons
    layers.Dense(1, activation='sigmoid')           # Output layer (binary classification)
])

model.compile(optimizer='adam',
    loss='binary_crossentropy',
    metrics=['accuracy'])

model.fit(X_train, y_train, epochs=1)

loss, accuracy = model.evaluate(X_train, y_train)
print(f"Model accuracy: {accuracy}")
