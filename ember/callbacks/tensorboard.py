"""``TensorBoard``: write epoch (and optionally batch) logs as TensorBoard event files."""

from __future__ import annotations

import os

from ember.callbacks.callback import Callback


class TensorBoard(Callback):
    """Log scalars for TensorBoard: ``train/`` and ``validation/`` runs under ``log_dir``.

    Writes ``epoch_loss``, ``epoch_accuracy``, ... (and ``epoch_learning_rate``)
    at each epoch end, as Keras does, with tensorboardX's event writer
    (imported when training starts; install ``ember[viz]``); with ``histogram_freq``
    the weights' histograms (tags are the weight paths, e.g. ``dense/kernel``), and with
    ``write_graph`` the model's layer graph (a GraphDef: one node per layer, op = layer class,
    inputs = inbound layers, the output shape as an attribute), shown in TensorBoard's Graphs tab.

    Args:
        log_dir: folder for the event files. Defaults to ``'logs'``.
        histogram_freq: write weight histograms every this many epochs (0: never). Defaults to ``0``.
        write_graph: write the layer graph when training starts. Defaults to ``True``.
        update_freq: ``'epoch'``, ``'batch'`` or a number of batches between batch-level writes.
            Defaults to ``'epoch'``.
        write_steps_per_second, profile_batch, embeddings_freq, embeddings_metadata: Keras 3's arguments,
            accepted at their defaults (``False``, ``0``, ``0``, ``None``) only.

    Raises:
        ImportError: when training starts without tensorboardX installed.
        NotImplementedError: for a non-default ``write_images`` or one of the arguments above.

    Source: keras/src/callbacks/tensorboard.py (scalar logging).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):  # fmt: skip
        super().__init__()
        unsupported = {"write_steps_per_second": write_steps_per_second, "profile_batch": profile_batch,
                       "embeddings_freq": embeddings_freq, "embeddings_metadata": embeddings_metadata}  # fmt: skip
        for arg, value in unsupported.items():  # Keras 3 arguments ember does not implement: never silently ignored
            if value not in (None, False, 0):
                raise NotImplementedError(f"TensorBoard: the Keras 3 argument {arg}={value!r} is not implemented in "
                                          f"ember (only its default). Received: {arg}={value!r}")  # fmt: skip
        self.log_dir, self.histogram_freq, self.update_freq = os.fspath(log_dir), histogram_freq, update_freq
        self.write_graph = write_graph
        if write_images:
            raise NotImplementedError("TensorBoard: write_images=True (weights as images) is not implemented in "
                                      "ember. Received: write_images=True")  # fmt: skip
        self._writers = {}
        self._step = 0

    def _writer(self, run: str):
        if run not in self._writers:
            try:
                from tensorboardX import SummaryWriter
            except ImportError as exc:
                raise ImportError("TensorBoard callback needs tensorboardX: pip install 'ember[viz]'") from exc
            self._writers[run] = SummaryWriter(logdir=os.path.join(self.log_dir, run))
        return self._writers[run]

    def on_train_begin(self, logs=None):
        self._step = 0
        writer = self._writer("train")
        if self.write_graph and self.model is not None:
            writer._get_file_writer().add_onnx_graph(layer_graph_def(self.model))  # writes a graph_def event

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        freq = 1 if self.update_freq == "batch" else self.update_freq
        if isinstance(freq, int) and self._step % freq == 0:
            for k, v in (logs or {}).items():
                self._writer("train").add_scalar(f"batch_{k}", float(v), self._step)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        if self.model is not None and hasattr(self.model, "optimizer"):
            logs.setdefault("learning_rate", float(self.model.optimizer.learning_rate))
        for k, v in logs.items():
            run, key = ("validation", k[4:]) if k.startswith("val_") else ("train", k)
            self._writer(run).add_scalar(f"epoch_{key}", float(v), epoch)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0:
            for w in self.model.weights:
                self._writer("train").add_histogram(w.path, w.numpy(), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}


def layer_graph_def(model):
    """``model``'s layer graph as a TensorBoard ``GraphDef`` (tensorboardX's protobuf classes).

    One ``NodeDef`` per layer: ``name`` the layer name, ``op`` its class, ``input`` the layers feeding it,
    attributes ``output_shape`` and ``params`` as strings.
    """
    from tensorboardX.proto.attr_value_pb2 import AttrValue
    from tensorboardX.proto.graph_pb2 import GraphDef
    from tensorboardX.proto.node_def_pb2 import NodeDef

    from ember.utils.model_visualization import _edges

    inbound = {}
    for src, dst in _edges(model):
        inbound.setdefault(dst.name, []).append(src.name)
    shapes = getattr(model, "_output_shapes", {})
    nodes = []
    for layer in model.layers:
        shape = shapes.get(id(layer), getattr(layer, "_built_output_shape", getattr(layer, "shape", None)))
        attrs = {"output_shape": AttrValue(s=str(shape).encode()),
                 "params": AttrValue(s=str(layer.count_params()).encode())}  # fmt: skip
        nodes.append(NodeDef(name=layer.name, op=type(layer).__name__, input=inbound.get(layer.name, []), attr=attrs))
    return GraphDef(node=nodes)
