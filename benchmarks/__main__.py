"""``python -m benchmarks --rounds 3``: see :mod:`benchmarks.runner`."""

from benchmarks.runner import main

main()
