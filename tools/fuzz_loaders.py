"""Coverage-guided fuzzing of ember's file and input parsers with atheris (RELIABILITY.md D6).

    python tools/fuzz_loaders.py TARGET [--seconds 60]      # one target
    python tools/fuzz_loaders.py all --seconds 60            # every target, one process each

A target passes when no input makes it raise anything but its documented errors (ValueError and its
subclasses such as ember.interop.UnsafeFileError, OSError, and for the CLI argparse's SystemExit) and nothing
hangs (libFuzzer's -timeout=5). The corpus of each target is kept in tests/fuzz/corpus/TARGET/ (seeded with
valid files by ``--seed-corpus``; atheris adds the inputs that found new coverage).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")
sys.path.insert(0, ROOT)


def _write_tmp(data: bytes, suffix: str) -> str:
    fd, path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return path


def _load_model(data: bytes) -> None:
    from ember import models

    path = _write_tmp(data, ".keras")
    try:
        models.load_model(path)
    finally:
        os.unlink(path)


def _load_weights(data: bytes) -> None:
    from tests.reliability.file_formats import small_model

    path = _write_tmp(data, ".weights.safetensors")
    try:
        small_model().load_weights(path)
    finally:
        os.unlink(path)


def _load_onnx(data: bytes) -> None:
    from ember.interop.onnx import load_model

    path = _write_tmp(data, ".onnx")
    try:
        load_model(path)
    finally:
        os.unlink(path)


def _load_torch(data: bytes) -> None:
    from ember.interop.torch import read_state_dict

    path = _write_tmp(data, ".pth")
    try:
        read_state_dict(path)
    finally:
        os.unlink(path)


def _config_json(data: bytes) -> None:
    from ember import models

    models.model_from_json(data.decode("utf-8", errors="replace"))


def _idx(data: bytes) -> None:
    from ember.datasets._idx import parse

    parse(data)


def _cli(data: bytes) -> None:
    from ember.cli import build_parser

    argv = data.decode("utf-8", errors="replace").split()
    if argv and argv[0] == "train":
        argv[0] = "info"  # parse only: never start training from fuzzed options
    try:
        build_parser().parse_args(argv)
    except SystemExit:
        pass


TARGETS = {"load_model": _load_model, "load_weights": _load_weights, "load_onnx": _load_onnx, "load_torch": _load_torch,
           "config_json": _config_json, "idx": _idx, "cli": _cli}  # fmt: skip
DOCUMENTED = (ValueError, OSError)


def seed_corpus() -> None:
    """Write one valid input per target into its corpus folder."""
    import json

    import numpy as np

    from tests.reliability.file_formats import small_model

    model = small_model()
    for target in TARGETS:
        os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    model.save(os.path.join(CORPUS, "load_model", "seed.keras"))
    model.save_weights(os.path.join(CORPUS, "load_weights", "seed.weights.safetensors"))
    from ember.interop.onnx import export

    export(model, os.path.join(CORPUS, "load_onnx", "seed.onnx"))
    import torch

    torch.save({"w": torch.ones(3, 2)}, os.path.join(CORPUS, "load_torch", "seed_zip.pth"))
    torch.save({"w": torch.ones(3, 2)}, os.path.join(CORPUS, "load_torch", "seed_legacy.pth"),
               _use_new_zipfile_serialization=False)  # fmt: skip
    with open(os.path.join(CORPUS, "config_json", "seed.json"), "w") as f:
        f.write(model.to_json() if hasattr(model, "to_json") else json.dumps({}))
    header = bytes([0, 0, 8, 2]) + (3).to_bytes(4, "big") + (4).to_bytes(4, "big")
    with open(os.path.join(CORPUS, "idx", "seed.idx"), "wb") as f:
        f.write(header + np.arange(12, dtype=np.uint8).tobytes())
    with open(os.path.join(CORPUS, "cli", "seed.txt"), "w") as f:
        f.write("train --dataset digits --epochs 2 --batch-size 16")


def fuzz_one(target: str, seconds: int) -> int:
    """Fuzz ``target`` in this process for ``seconds``; returns libFuzzer's exit status (0: no crash)."""
    import atheris

    with atheris.instrument_imports():
        import ember  # noqa: F401 - instrumented for coverage
        from ember import models  # noqa: F401

    fn = TARGETS[target]

    def one_input(data: bytes) -> None:
        try:
            fn(data)
        except DOCUMENTED:
            pass

    corpus = os.path.join(CORPUS, target)
    os.makedirs(corpus, exist_ok=True)
    crashes = os.path.join(tempfile.gettempdir(), f"ember-fuzz-{target}-")  # reproducers land here, not in the repo
    atheris.Setup([sys.argv[0], corpus, f"-max_total_time={seconds}", "-timeout=5", "-rss_limit_mb=4096",
                   f"-artifact_prefix={crashes}"], one_input)  # fmt: skip
    atheris.Fuzz()
    return 0


def main(argv=None) -> int:
    """Fuzz one target, or every target in its own process; prints a summary line per target."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", choices=[*TARGETS, "all"])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--seed-corpus", action="store_true", help="write the valid seed inputs first")
    args = parser.parse_args(argv)
    if args.seed_corpus:
        seed_corpus()
    if args.target != "all":
        return fuzz_one(args.target, args.seconds)
    status = 0
    for target in TARGETS:
        proc = subprocess.run([sys.executable, __file__, target, "--seconds", str(args.seconds)], cwd=ROOT,
                              capture_output=True, text=True)  # fmt: skip
        tail = (proc.stdout + proc.stderr).strip().splitlines()
        runs = next((line for line in reversed(tail) if "Done" in line or "stat::number_of_executed_units" in line),
                    tail[-1] if tail else "")  # fmt: skip
        print(f"{target}: exit {proc.returncode}; {runs}")
        status |= proc.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
