"""The ``ember`` command line: ``ember train`` trains a model on a real dataset and reports test results.

Examples::

    ember train                                  # MLP on scikit-learn's digits
    ember train --dataset breast_cancer --model perceptron --epochs 50
    ember train --dataset mnist1d --model gru    # also lstm, transformer; --dataset tweets_sentiment
    ember info                                   # versions and backend
    ember explain model.keras --input x.npy      # the forward pass worked out with the numbers
    ember export model.keras model.onnx          # ONNX export (issue 13); ember predict model.onnx x.npy
"""

from __future__ import annotations

import argparse
import os
import sys
import time

DATASETS = ("digits", "iris", "breast_cancer", "mnist1d", "xor", "mnist", "fashion_mnist", "tweets_sentiment")
MODELS = ("mlp", "perceptron", "cnn", "lstm", "gru", "transformer")


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad options in one line and exits with status 2 (no usage dump)."""

    def error(self, message):  # noqa: D401 - argparse hook
        self.exit(2, f"ember: error: {message}\n")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for ``ember``."""
    parser = _Parser(prog="ember", description="ember: train and inspect deep-learning models.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    train = sub.add_parser("train", help="train a model on a bundled real dataset and report test results")
    train.add_argument("--dataset", choices=DATASETS, default="digits", help="dataset (default: digits)")
    train.add_argument("--model", choices=MODELS, default="mlp", help="architecture (default: mlp)")
    train.add_argument("--epochs", type=_positive_int, default=None, help="epochs (default: per dataset)")
    train.add_argument("--batch-size", type=_positive_int, default=32, help="batch size (default: 32)")
    train.add_argument("--learning-rate", type=_positive_float, default=None, help="Adam learning rate")
    train.add_argument("--seed", type=_non_negative_int, default=0, help="random seed (default: 0)")
    train.add_argument("--output", default="ember_output", help="folder for the trained weights")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1, help="progress output (default: 1)")
    sub.add_parser("info", help="print versions and the active backend")
    from ember.explain.cli import add_parser as add_explain

    add_explain(sub)
    from ember.interop.onnx.cli import add_commands  # `ember export` / `ember predict` (issue 13)

    add_commands(sub)
    return parser


def cmd_info() -> int:
    """Print ember's, NumPy's and the backend's versions."""
    import numpy as np

    import ember

    print(f"ember {ember.__version__} | numpy {np.__version__} | backend {ember.backend.get_backend()}")
    return 0


def cmd_train(args) -> int:
    """Train, evaluate on the held-out split, save the weights; print the results."""
    import ember
    from ember.training_recipes import build_recipe

    ember.utils.set_random_seed(args.seed)
    recipe = build_recipe(args.dataset, args.model, args.learning_rate)
    epochs = args.epochs or recipe.epochs
    counts = f"{len(recipe.x_train)} train{recipe.note} / {len(recipe.x_test)} test samples"
    print(f"ember {ember.__version__}: training {args.model} on {args.dataset} ({counts}, {epochs} epochs)")
    start = time.perf_counter()
    recipe.model.fit(recipe.x_train, recipe.y_train, batch_size=args.batch_size, epochs=epochs,
                     validation_split=recipe.validation_split, validation_data=recipe.validation_data,
                     verbose=args.verbose)  # fmt: skip
    elapsed = time.perf_counter() - start
    loss, acc = recipe.model.evaluate(recipe.x_test, recipe.y_test, verbose=0)
    os.makedirs(args.output, exist_ok=True)
    path = os.path.join(args.output, f"{args.model}_{args.dataset}.weights.safetensors")
    recipe.model.save_weights(path)
    print(f"test loss: {loss:.4f} - test accuracy: {acc:.4f} ({acc * 100:.2f} %)")
    print(f"training time: {elapsed:.1f} s - weights saved to {path}")
    return 0


def main(argv=None) -> int:
    """Entry point of the ``ember`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "info":
            return cmd_info()
        if args.command == "explain":
            from ember.explain.cli import run as run_explain

            return run_explain(args)
        if args.command in ("export", "predict"):  # ONNX export and deployment (issue 13)
            from ember.interop.onnx.cli import run

            return run(args)
        return cmd_train(args)
    except (ValueError, FileNotFoundError, OSError) as exc:
        print(f"ember: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ember: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
