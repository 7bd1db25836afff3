"""The process world and its collectives, over MPI (Open MPI through ``mpi4py``), or a 1-process world without it.

Nothing here imports ``mpi4py`` until a function needs the world, and only when the
process was started by an MPI launcher (``mpirun``/``srun``: the launcher's
environment variables are present). A plain ``python train.py`` therefore runs as a
world of one process in which every collective returns its input, with or without
``mpi4py`` installed.

Collectives are buffer-based (``Iallreduce``/``Ibcast``/``Iallgather`` on NumPy
buffers, never pickled) and non-blocking: the caller polls the request until a
deadline, so a collective that some rank never joins (a deadlock in MPI's blocking
form) raises :class:`CollectiveTimeoutError` naming the operation instead of hanging.

Source: mpi4py's buffer API (mpi4py.readthedocs.io, "Tutorial"), Horovod's
``horovod/common/basics.py`` (``init``/``rank``/``size``/``local_rank``) and
``python -m mpi4py``'s excepthook that aborts the whole job on an uncaught exception.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

from ember import backend
from ember.autograd import Tensor

# Environment variables set by MPI launchers for each process (Open MPI, MPICH/Hydra, PMIx, Slurm).
_LAUNCHER_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS")
_LOCAL_RANK_VARS = ("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "SLURM_LOCALID")
_OPS = ("mean", "sum", "max", "min")
_yield = getattr(os, "sched_yield", lambda: time.sleep(0))  # not on every OS


class CollectiveTimeoutError(RuntimeError):
    """A collective did not complete before its deadline: some rank never joined it (or died)."""


class _World:
    comm = None  # mpi4py's COMM_WORLD once initialized; None in a 1-process world
    initialized = False
    timeout = float(os.environ.get("EMBER_MPI_TIMEOUT", "300"))


_WORLD = _World()


def launched_by_mpi() -> bool:
    """True when an MPI launcher started this process (its environment variables are set)."""
    return any(v in os.environ for v in _LAUNCHER_VARS)


def init(timeout: float | None = None) -> None:
    """Join the MPI world (idempotent); register ember's data-parallel ``fit`` for this process.

    Under ``mpirun`` this imports ``mpi4py`` (which calls ``MPI_Init``), installs an
    excepthook that prints the traceback and calls ``MPI_Abort`` so one failing rank
    ends the whole job (as ``python -m mpi4py`` does), and registers a
    :class:`~ember.distributed.MPIStrategy` so ``model.fit`` shards data and averages
    gradients without further changes. Outside ``mpirun`` (or with 1 rank) it sets up a
    1-process world and registers nothing: ``fit`` behaves exactly as without ``init()``.

    Args:
        timeout: seconds a collective may wait for the other ranks before raising
            :class:`CollectiveTimeoutError`. Defaults to ``$EMBER_MPI_TIMEOUT`` or 300.

    Raises:
        ImportError: under ``mpirun`` without ``mpi4py`` (install ``ember[distributed]``).
    """
    if timeout is not None:
        _WORLD.timeout = float(timeout)
    if _WORLD.initialized:
        return
    if launched_by_mpi():
        try:
            from mpi4py import MPI
        except ImportError as exc:  # pragma: no cover - the extra is installed in CI
            raise ImportError("ember.distributed.init: this process was started by mpirun but mpi4py is missing. "
                              "Install the extra: pip install 'ember[distributed]'") from exc  # fmt: skip
        _WORLD.comm = MPI.COMM_WORLD
        if _WORLD.comm.Get_size() > 1:
            _install_abort_hook()
    _WORLD.initialized = True
    if size() > 1:
        from ember.distributed.strategy import MPIStrategy
        from ember.models import distribute_hook

        distribute_hook.register(MPIStrategy())


def is_initialized() -> bool:
    """True after :func:`init`."""
    return _WORLD.initialized


def _comm():
    if not _WORLD.initialized:
        init()
    return _WORLD.comm


def rank() -> int:
    """This process's index in the world, ``0 .. size()-1`` (0 without MPI)."""
    comm = _comm()
    return 0 if comm is None else comm.Get_rank()


def size() -> int:
    """Number of processes in the world (1 without MPI)."""
    comm = _comm()
    return 1 if comm is None else comm.Get_size()


def local_rank() -> int:
    """This process's index among the processes of its machine (from the launcher; 0 without MPI)."""
    for var in _LOCAL_RANK_VARS:
        if var in os.environ:
            return int(os.environ[var])
    return 0


def _install_abort_hook() -> None:
    previous = sys.excepthook

    def abort_on_exception(exc_type, exc, tb):
        # Print first (MPI_Abort kills this process), then end every rank: no rank waits forever.
        previous(exc_type, exc, tb)
        sys.stderr.write(f"ember.distributed: uncaught {exc_type.__name__} on rank {rank()}; aborting the job\n")
        sys.stderr.flush()
        sys.stdout.flush()
        _WORLD.comm.Abort(1)

    sys.excepthook = abort_on_exception


def _wait(request, what: str) -> None:
    """Poll a non-blocking request until done or the deadline.

    NOTE: each poll is followed by ``sched_yield``: Open MPI advances a non-blocking collective
    only inside MPI calls, so polling must be frequent, yet a rank spinning flat out starves its
    partner when ranks share cores (measured on 2 ranks, 1 MiB: 0.4 ms median with yield, 47 ms
    for the blocking ``Allreduce``, 3 ms sleeping 1 ms between polls). After a second of waiting
    (the other rank is validating, or stuck) it sleeps 1 ms between polls instead.
    """
    start = time.monotonic()
    polls = 0
    while not request.Test():
        polls += 1
        if polls % 64:
            _yield()
            continue
        waited = time.monotonic() - start
        if waited > _WORLD.timeout:
            raise CollectiveTimeoutError(
                f"ember.distributed.{what}: rank {rank()} of {size()} waited {_WORLD.timeout:g} s and the other "
                "ranks never joined. Every rank must call the same collectives in the same order (a collective "
                "inside `if rank() == 0:` deadlocks). Raise the limit with init(timeout=...) or EMBER_MPI_TIMEOUT"
            )
        if waited > 1.0:
            time.sleep(0.001)


def _as_buffer(x, fn: str):
    """``x`` as a contiguous NumPy array (an ember Tensor's data is used), plus a function to wrap results back."""
    if isinstance(x, Tensor):
        return np.ascontiguousarray(backend.to_numpy(x.data)), lambda out: Tensor._wrap(backend.asarray(out))
    if isinstance(x, (np.ndarray, np.generic, int, float)):
        return np.ascontiguousarray(np.asarray(x)), lambda out: out
    raise TypeError(f"ember.distributed.{fn}: expected a NumPy array or an ember Tensor. Received: {type(x).__name__}")


def _mpi_op(op: str, fn: str):
    if op not in _OPS:
        raise ValueError(f"ember.distributed.{fn}: `op` must be one of {list(_OPS)}. Received: op={op!r}")
    from mpi4py import MPI

    return {"mean": MPI.SUM, "sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}[op]


def allreduce(x, op: str = "mean"):
    """Combine ``x`` over all ranks element-wise: mean, sum, max or min; every rank gets the result.

    Args:
        x: NumPy array or ember Tensor, the same shape and dtype on every rank.
        op: ``'mean'`` (sum / size; truncated back to an integer dtype), ``'sum'``, ``'max'`` or ``'min'``.
            Defaults to ``'mean'``.

    Returns:
        A new array (a Tensor for a Tensor) of ``x``'s shape and dtype.

    Raises:
        ValueError: for an unknown ``op``. TypeError: for other input types.
        CollectiveTimeoutError: if some rank does not join within the timeout.

    Example:
        >>> import numpy as np, ember.distributed as dist
        >>> dist.allreduce(np.array([1.0, 3.0]), op="sum").tolist()  # a 1-process world
        [1.0, 3.0]
    """
    arr, wrap = _as_buffer(x, "allreduce")
    comm = _comm()
    if comm is None or comm.Get_size() == 1:
        if op not in _OPS:
            raise ValueError(f"ember.distributed.allreduce: `op` must be one of {list(_OPS)}. Received: op={op!r}")
        return wrap(arr.copy())
    out = np.empty_like(arr)
    _wait(comm.Iallreduce(arr, out, _mpi_op(op, "allreduce")), "allreduce")
    if op == "mean":
        out = (out / comm.Get_size()).astype(arr.dtype, copy=False)
    return wrap(out)


def broadcast(x, root: int = 0):
    """Rank ``root``'s ``x`` on every rank (``x`` has the same shape and dtype everywhere).

    Returns:
        A new array (a Tensor for a Tensor) holding root's values.

    Raises:
        ValueError: if ``root`` is not a rank. CollectiveTimeoutError: as for :func:`allreduce`.
    """
    arr, wrap = _as_buffer(x, "broadcast")
    if not 0 <= root < size():
        raise ValueError(f"ember.distributed.broadcast: `root` must be in [0, {size()}). Received: root={root}")
    comm = _comm()
    out = arr.copy()
    if comm is not None and comm.Get_size() > 1:
        _wait(comm.Ibcast(out, root=root), "broadcast")
    return wrap(out)


def allgather(x):
    """Every rank's ``x`` stacked on a new first axis: ``(size(), *x.shape)``, in rank order, on every rank.

    Raises:
        CollectiveTimeoutError: as for :func:`allreduce`.
    """
    arr, wrap = _as_buffer(x, "allgather")
    comm = _comm()
    out = np.empty((size(), *arr.shape), dtype=arr.dtype)
    if comm is None or comm.Get_size() == 1:
        out[0] = arr
    else:
        _wait(comm.Iallgather(arr, out), "allgather")
    return wrap(out)


def barrier() -> None:
    """Wait until every rank reaches this call (with the collective timeout)."""
    comm = _comm()
    if comm is not None and comm.Get_size() > 1:
        _wait(comm.Ibarrier(), "barrier")


def iallreduce_sum(buffer: np.ndarray):
    """Start an in-place sum of ``buffer`` over all ranks; returns a handle for :func:`wait` (``None`` if 1 rank)."""
    comm = _comm()
    if comm is None or comm.Get_size() == 1:
        return None
    from mpi4py import MPI

    return comm.Iallreduce(MPI.IN_PLACE, buffer, MPI.SUM)


def wait(handle, what: str = "allreduce") -> None:
    """Complete a request from :func:`iallreduce_sum` (deadline-guarded)."""
    if handle is not None:
        _wait(handle, what)
