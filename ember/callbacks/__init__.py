"""Training callbacks with Keras's hooks and names; this file lists the public API by hand."""

from ember.callbacks.backup_and_restore import BackupAndRestore
from ember.callbacks.callback import Callback, CallbackList
from ember.callbacks.early_stopping import EarlyStopping
from ember.callbacks.history import History, ProgbarLogger
from ember.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from ember.callbacks.live_plot import LivePlot
from ember.callbacks.loggers import CSVLogger, LambdaCallback, TerminateOnNaN
from ember.callbacks.model_checkpoint import ModelCheckpoint
from ember.callbacks.tensorboard import TensorBoard

__all__ = [
    "Callback",
    "CallbackList",
    "History",
    "ProgbarLogger",
    "EarlyStopping",
    "ModelCheckpoint",
    "BackupAndRestore",
    "ReduceLROnPlateau",
    "LearningRateScheduler",
    "CSVLogger",
    "TerminateOnNaN",
    "LambdaCallback",
    "TensorBoard",
    "LivePlot",
]


def __getattr__(name):
    from ember.utils.missing import missing_attribute

    raise missing_attribute(__name__, name, __all__)
