"""``ember explain MODEL.keras --input x.npy``: print a model's forward trace (and, with targets, a backward
trace) from the command line."""

from __future__ import annotations

import os


def add_parser(sub) -> None:
    """Register the ``explain`` subcommand on ``sub`` (an argparse subparsers object)."""
    p = sub.add_parser("explain", help="print a model's forward (and backward) pass with the numbers")
    p.add_argument("model", help="a .keras model file")
    p.add_argument("--input", required=True, help="a .npy file with the input batch")
    p.add_argument("--target", help="a .npy file with targets: also explain one gradient step")
    p.add_argument("--loss", default=None, help="loss for the backward trace (default: the compiled loss)")
    p.add_argument("--learning-rate", type=float, default=0.01, help="SGD learning rate (default: 0.01)")
    p.add_argument("--format", choices=("text", "markdown", "html"), default="text", help="output format")
    p.add_argument("--max-neurons", type=int, default=4, help="neurons worked out per layer (default: 4)")


def _load_array(path: str, what: str):
    import numpy as np

    if not os.path.exists(path):
        raise FileNotFoundError(f"ember explain: {what} file {path!r} does not exist")
    if not path.endswith(".npy"):
        raise ValueError(f"ember explain: {what} must be a .npy file. Received: {path!r}")
    return np.load(path, allow_pickle=False)  # never unpickle: a .npy of objects is refused


def run(args) -> int:
    """Load the model and arrays, build the trace(s) and print them; returns the exit status."""
    from ember import explain, models

    if not os.path.exists(args.model):
        raise FileNotFoundError(f"ember explain: model file {args.model!r} does not exist")
    model = models.load_model(args.model)
    x = _load_array(args.input, "--input")
    traces = [explain.forward(model, x, max_neurons=args.max_neurons)]
    if args.target is not None:
        y = _load_array(args.target, "--target")
        traces.append(explain.backward(model, x, y, loss=args.loss, learning_rate=args.learning_rate,
                                       max_neurons=args.max_neurons))  # fmt: skip
    render = {"text": str, "markdown": lambda t: t.to_markdown(), "html": lambda t: t.to_html()}[args.format]
    print("\n".join(render(t) for t in traces))
    return 0
