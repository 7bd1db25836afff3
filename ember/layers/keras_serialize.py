"""Keras 3's ``keras.layers.serialize`` / ``keras.layers.deserialize`` (a layer to/from its object config)."""

from __future__ import annotations


def serialize(layer) -> dict:
    """Keras 3's ``keras.layers.serialize``: ``{'module', 'class_name', 'config', 'registered_name'}`` of ``layer``.

    Raises:
        TypeError: for an object with neither ``get_config`` nor a name.
    """
    from ember.utils.object_registry import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None, safe_mode: bool = True):
    """Keras 3's ``keras.layers.deserialize``: the layer :func:`serialize` described (``cls.from_config``).

    Raises:
        ValueError: for an unknown class, or a ``Lambda`` layer with ``safe_mode=True``.
    """
    from ember.utils.object_registry import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
