"""Radial basis function layer: Gaussian units with trainable centres and widths.

Source: Broomhead & Lowe (1988), "Multivariable functional interpolation and adaptive
networks"; Moody & Darken (1989) for the k-means placement of centres.
"""

from __future__ import annotations

from ember import initializers, ops
from ember.autograd import Tensor, no_grad
from ember.layers.layer import Layer
from ember.layers.serialization import serialize


def squared_distances(x, centers) -> Tensor:
    """``||x_i - c_j||^2`` for ``x (batch, dim)`` and ``centers (units, dim)`` → ``(batch, units)``.

    Expanded as ``|x|^2 - 2 x c^T + |c|^2`` (one matmul), clipped at 0 against round-off.
    """
    x2 = ops.sum(x * x, axis=-1, keepdims=True)
    c2 = ops.sum(centers * centers, axis=-1)
    return ops.maximum(x2 - 2.0 * ops.matmul(x, ops.transpose(centers)) + c2, 0.0)


def _kmeans_plus_plus(x, k: int, seed) -> Tensor:
    """k-means++ seeding (Arthur & Vassilvitskii, 2007): each new centre drawn with probability ∝ d^2."""
    from ember import random as ember_random

    u = ember_random.uniform((k,), dtype=x.dtype, seed=seed)
    first = ops.cast(ops.floor(u[0] * x.shape[0]), "int64")
    centers = [x[int(first.item())]]
    for i in range(1, k):
        d2 = ops.min(squared_distances(x, ops.stack(centers)), axis=-1)
        cdf = ops.cumsum(d2, axis=0)
        idx = int(ops.sum(ops.cast(ops.less(cdf, u[i] * cdf[-1]), "int64")).item())
        centers.append(x[min(idx, x.shape[0] - 1)])
    return ops.stack(centers)


class RBFLayer(Layer):
    """Gaussian radial basis units: ``phi_j(x) = exp(-beta_j * ||x - c_j||^2)``.

    Args:
        units: number of basis functions (centres).
        betas: initial inverse width ``beta = 1 / (2 sigma^2)``, the same for every unit. Defaults to ``1.0``.
        centers_initializer: initializer of the ``(units, input_dim)`` centres. Defaults to ``'random_uniform'``
            (use :meth:`initialize_centers` for k-means placement from data).
        trainable_betas: learn the widths too. Defaults to ``True``.

    Shape:
        Input ``(batch, input_dim)``; output ``(batch, units)``. Weights ``centers (units, input_dim)``,
        ``betas (units,)``.

    Raises:
        ValueError: for non-positive ``units``/``betas`` or input that is not 2-D, naming the layer.

    Example:
        >>> import ember
        >>> rbf = ember.layers.RBFLayer(5)
        >>> rbf(ember.ops.zeros((3, 2))).shape
        (3, 5)
    """

    def __init__(self, units, betas=1.0, centers_initializer="random_uniform", trainable_betas=True, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, int) or units <= 0 or float(betas) <= 0:
            raise ValueError(f"RBFLayer: `units` must be a positive int and `betas` positive. "
                             f"Received: units={units!r}, betas={betas!r}")  # fmt: skip
        self.units, self.initial_betas = units, float(betas)
        self.centers_initializer = initializers.get(centers_initializer)
        self.trainable_betas = bool(trainable_betas)

    def build(self, input_shape) -> None:
        if len(input_shape) != 2:
            raise ValueError(f"RBFLayer '{self.name}' expects 2-D input (batch, features). "
                             f"Received: shape={tuple(input_shape)}")  # fmt: skip
        self.centers = self.add_weight((self.units, input_shape[-1]), self.centers_initializer, name="centers")
        self.betas = self.add_weight((self.units,), initializers.Constant(self.initial_betas), name="betas",
                                     trainable=self.trainable_betas)  # fmt: skip
        self.built = True

    def call(self, inputs):
        return ops.exp(-self.betas * squared_distances(inputs, self.centers))

    def initialize_centers(self, x, iterations: int = 20, seed: int | None = 0) -> None:
        """Place the centres by k-means (k-means++ seeding, then Lloyd's iterations) on ``x (n, input_dim)``.

        The widths are then set from the mean distance ``d`` between each centre and its points:
        ``beta = 1 / (2 d^2)`` (Moody & Darken's heuristic).

        Raises:
            ValueError: if ``x`` has fewer rows than ``units``.
        """
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.shape[0] < self.units:
            raise ValueError(f"RBFLayer '{self.name}' initialize_centers needs at least {self.units} samples. "
                             f"Received: {x.shape[0]}")  # fmt: skip
        self._maybe_build((None, x.shape[-1]))
        with no_grad():
            x = ops.cast(x, self.centers.dtype)
            centers = _kmeans_plus_plus(x, self.units, seed)
            for _ in range(iterations):
                assign = ops.one_hot(ops.argmin(squared_distances(x, centers), axis=-1), self.units, dtype=x.dtype)
                counts = ops.sum(assign, axis=0)
                sums = ops.matmul(ops.transpose(assign), x)
                moved = sums / ops.maximum(counts, 1.0)[:, None]
                centers = ops.where((counts > 0)[:, None], moved, centers)
            d2 = squared_distances(x, centers)
            assign = ops.one_hot(ops.argmin(d2, axis=-1), self.units, dtype=x.dtype)
            mean_d = ops.sum(assign * ops.sqrt(d2), axis=0) / ops.maximum(ops.sum(assign, axis=0), 1.0)
            mean_d = ops.where(mean_d > 0, mean_d, ops.mean(mean_d) + 1e-3)
            self.centers.assign(centers)
            self.betas.assign(1.0 / (2.0 * mean_d * mean_d))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(units=self.units, betas=self.initial_betas, trainable_betas=self.trainable_betas,
                      centers_initializer=serialize(self.centers_initializer))  # fmt: skip
        return config
