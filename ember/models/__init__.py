"""Models: :class:`Model` (subclassing / functional), :class:`Sequential`, saving and loading."""

from ember.models.model import Model
from ember.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
