"""Masks of tensors: the side table lives in :mod:`ember.autograd.masking_state` (so that ``Tensor._keras_mask``
can read it); this module keeps the layers' import path."""

from ember.autograd.masking_state import _MASKS, get_mask, set_mask

__all__ = ["_MASKS", "get_mask", "set_mask"]
