"""Where a tensor's Keras mask lives: a side table keyed by the tensor, dropped with it.

Keras attaches ``_keras_mask`` to the tensor itself. ember's :class:`~ember.autograd.Tensor`
has ``__slots__`` (no per-instance dict, for speed and memory), so the mask lives here instead:
``set_mask(t, m)`` records it, ``get_mask(t)`` reads it, and a weak reference removes the
entry when ``t`` is garbage-collected. :meth:`Layer.__call__` uses this to pass masks along:

- a layer whose ``call`` accepts ``mask`` receives the mask of its input(s) when the caller
  did not pass ``mask=`` explicitly (so ``Sequential``/functional models need do nothing);
- a layer with ``supports_masking = True`` records ``compute_mask(inputs, mask)`` as the
  mask of its output (Embedding with ``mask_zero=True``, Masking, and layers that keep the
  time axis pass it on; RNNs consume it and return ``None`` unless ``return_sequences``).

A mask is a boolean tensor of the input's shape without the feature axis,
``(batch, timesteps)`` for ``(batch, timesteps, features)``; ``True`` means "keep".
"""

from __future__ import annotations

import weakref

# id(tensor) -> (weakref to tensor, mask). The weakref's callback removes the entry.
_MASKS: dict[int, tuple] = {}


def _forget(key: int):
    def callback(_ref):
        _MASKS.pop(key, None)

    return callback


def set_mask(tensor, mask) -> None:
    """Record ``mask`` (a bool Tensor or ``None``) as the mask of ``tensor``."""
    key = id(tensor)
    if mask is None:
        _MASKS.pop(key, None)
        return
    _MASKS[key] = (weakref.ref(tensor, _forget(key)), mask)


def get_mask(tensor):
    """The mask recorded for ``tensor`` (a list of masks for a list of tensors), or ``None``."""
    if not _MASKS:
        return None
    if isinstance(tensor, (list, tuple)):
        masks = [get_mask(t) for t in tensor]
        return None if all(m is None for m in masks) else masks
    entry = _MASKS.get(id(tensor))
    if entry is None or entry[0]() is not tensor:
        return None
    return entry[1]
