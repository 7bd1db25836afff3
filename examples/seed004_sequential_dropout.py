"""Seed 004: the Keras ``Sequential`` + ``Dropout`` + softmax snippet, run on ember.

The notes' snippet ends with ``metrics='accuracy']`` (an unbalanced bracket, a
typo in the slides); it is written ``metrics='accuracy')`` here: ember accepts
the bare string as Keras does. Imports are the only other change. The notes
stop at ``compile``; a few lines after the marked block train it on random
data so the snippet does something visible.
"""

from ember.models import Sequential
from ember.layers import Dense, Dropout

# --- the notes' code, unchanged but for the bracket ---
model = Sequential()
model.add(Dense(64, activation='relu', input_dim=20))
model.add(Dropout(0.5))
model.add(Dense(64, activation='relu'))
model.add(Dropout(0.5))
model.add(Dense(10, activation='softmax'))
model.compile(loss='categorical_crossentropy',
              optimizer='adam',
              metrics='accuracy')
# --- end of the notes' code ---

if __name__ == "__main__":
    import numpy as np

    from ember.utils import to_categorical

    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 20)).astype("float32")
    y = to_categorical((x[:, :10].argmax(axis=1)), 10)  # a learnable rule: which of the first 10 features is largest
    model.summary()
    history = model.fit(x, y, epochs=20, batch_size=32, verbose=0)
    print(f"loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}, "
          f"accuracy {history.history['accuracy'][-1]:.4f}")
