"""Special functions NumPy lacks, from SciPy (CPU) or ``cupyx.scipy.special`` (GPU).

SciPy is always present: scikit-learn, an ember dependency, requires it.
"""

from __future__ import annotations


def erf(array):
    """The Gauss error function of ``array``, elementwise, in the array's own module and dtype."""
    if type(array).__module__.startswith("cupy"):
        from cupyx.scipy import special as cupy_special  # pragma: no cover - needs a GPU

        return cupy_special.erf(array)  # pragma: no cover
    from scipy import special as scipy_special

    return scipy_special.erf(array).astype(array.dtype, copy=False)
