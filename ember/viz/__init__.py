"""Visualization: training curves (``plot_history``) and model graphs (``plot_model``), drawn lazily."""

from ember.utils.model_visualization import model_to_dot, plot_model
from ember.viz.history import plot_history

__all__ = ["plot_history", "plot_model", "model_to_dot"]
