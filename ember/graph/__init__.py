"""Static graphs next to dynamic ones: trace a function once, replay its graph on arrays.

``ember.function`` (TensorFlow's ``tf.function`` contract) and ``model.compile(jit_compile=True)``
run on it. See docs/graph_mode.md for the semantics.
"""

from ember.graph.function import ConcreteFunction, Function, GraphFallbackWarning, RetracingWarning, function
from ember.graph.ir import Graph, Node

__all__ = ["function", "Function", "ConcreteFunction", "Graph", "Node", "GraphFallbackWarning", "RetracingWarning"]
