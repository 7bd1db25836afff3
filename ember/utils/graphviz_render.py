"""The one Graphviz rendering module of ember: DOT text in, a file out.

``plot_model`` (the layer graph) and ``ember.viz.draw_graph`` (the autograd graph) both build DOT text and
hand it here. DOT text is always available; images need the ``graphviz`` Python package (``ember[viz]``) and
Graphviz's ``dot`` program from the system (``apt-get install graphviz``, ``brew install graphviz``,
``conda install graphviz``).
"""

from __future__ import annotations

import os
import warnings

INSTALL_HINT = (
    "install Graphviz's `dot` program (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install graphviz) and the Python package (pip install 'ember[viz]')"
)


class GraphvizNotFoundError(ImportError):
    """Graphviz (the ``dot`` program or the ``graphviz`` package) is missing; ``.dot`` holds the DOT text."""

    def __init__(self, message: str, dot: str):
        super().__init__(message)
        self.dot = dot


def quote(text: str) -> str:
    """``text`` as a double-quoted DOT string: backslashes and quotes escaped, newlines as ``\\n``."""
    text = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + text.replace("\n", "\\n") + '"'


def with_dpi(dot: str, dpi: int | None) -> str:
    """Insert a graph-level ``dpi`` attribute after the opening line of ``dot``."""
    if dpi is None:
        return dot
    head, _, rest = dot.partition("\n")
    return f"{head}\n  graph [dpi={int(dpi)}];\n{rest}"


def render(dot: str, path=None, format: str | None = None, caller: str = "render", on_missing: str = "raise") -> str:
    """Write ``dot`` to ``path``: the text itself for ``.dot``/``.gv`` (or ``format='dot'``), else an image.

    Args:
        dot: DOT source text.
        path: output file, written atomically; ``None`` writes nothing. Defaults to ``None``.
        format: ``'svg'``, ``'png'``, ``'pdf'``, ``'dot'``...; defaults to ``path``'s extension, else ``'svg'``.
        caller: the public function's name, for messages.
        on_missing: when Graphviz is missing, ``'raise'`` :class:`GraphvizNotFoundError` or ``'warn'`` and
            write nothing. Either way the message says how to install Graphviz. Defaults to ``'raise'``.

    Returns:
        ``dot`` unchanged (DOT text is always available).

    Raises:
        GraphvizNotFoundError: Graphviz missing and ``on_missing='raise'``.
        RuntimeError: when ``dot`` fails on the text.
    """
    if path is None:
        return dot
    path = os.fspath(path)
    fmt = (format or os.path.splitext(path)[1].lstrip(".") or "svg").lower()
    from ember.saving.atomic import atomic_write_bytes  # here: utils may not import saving at module level

    if fmt in ("dot", "gv"):
        atomic_write_bytes(path, dot.encode())
        return dot
    try:
        import graphviz
    except ImportError:
        graphviz = None
    try:
        if graphviz is None:
            raise FileNotFoundError("the graphviz Python package is not installed")
        image = graphviz.Source(dot).pipe(format=fmt)
    except (FileNotFoundError, getattr(graphviz, "ExecutableNotFound", FileNotFoundError)) as exc:
        message = (f"{caller}: rendering {fmt} needs Graphviz ({exc}); {INSTALL_HINT}. Nothing was written to "
                   f"{path!r}; the DOT text is returned (format='dot' saves it).")  # fmt: skip
        if on_missing == "warn":
            warnings.warn(message, RuntimeWarning, stacklevel=3)
            return dot
        raise GraphvizNotFoundError(message, dot) from exc
    except Exception as exc:  # graphviz.CalledProcessError and friends: dot rejected the text
        raise RuntimeError(f"{caller}: Graphviz failed to render {fmt}: {exc}") from exc
    atomic_write_bytes(path, image)
    return dot
