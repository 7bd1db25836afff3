"""Shared by the lessons: the output folder argument."""

from __future__ import annotations

import argparse
import os


def output_dir(argv=None, default: str | None = None) -> str:
    """``--output DIR`` (default ``lessons/output`` next to the scripts), created if missing."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", default=default or os.path.join(os.path.dirname(__file__), "output"))
    args, _ = parser.parse_known_args(argv)
    os.makedirs(args.output, exist_ok=True)
    return args.output
