"""Training callbacks with Keras's hooks and names."""

from ember.callbacks.callback import Callback, CallbackList
from ember.callbacks.history import History, ProgbarLogger

__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger"]
