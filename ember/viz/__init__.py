"""Visualization: training curves, image grids, model graphs and autograd graphs (matplotlib, graphviz)."""

from ember.utils.model_visualization import model_to_dot, plot_model
from ember.viz.autograd_graph import draw_graph
from ember.viz.history import plot_history
from ember.viz.images import save_image_grid

__all__ = ["plot_history", "plot_model", "model_to_dot", "save_image_grid", "draw_graph"]
