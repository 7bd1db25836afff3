"""Visualization: training curves, image grids and model graphs, drawn lazily (matplotlib, graphviz)."""

from ember.utils.model_visualization import model_to_dot, plot_model
from ember.viz.history import plot_history
from ember.viz.images import save_image_grid

__all__ = ["plot_history", "plot_model", "model_to_dot", "save_image_grid"]
