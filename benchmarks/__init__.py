"""ember's benchmark suite: W0-W7 of ../shared/BENCHMARKS.md against PyTorch and Keras in one run.

``python -m benchmarks --rounds 3`` (see :mod:`benchmarks.runner`); ember's side is
:mod:`benchmarks.bench_ember`; the tables come from :mod:`benchmarks.report`.
"""
