"""Line-count report for the ember package (STYLE.md rule 12): lines per package and the longest files.

    python tools/loc.py            # table of code lines per package
    python tools/loc.py --max 400  # also exit 1 if any file is longer than 400 lines (rule 9)
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections import Counter

ROOT = pathlib.Path(__file__).resolve().parents[1] / "ember"


def file_lengths(root: pathlib.Path = ROOT) -> dict[str, int]:
    """``{path relative to the package: number of lines}`` for every ``.py`` file."""
    return {str(p.relative_to(root)): len(p.read_text().splitlines()) for p in sorted(root.rglob("*.py"))}


def main(argv=None) -> int:
    """Print the report; return 1 if a file exceeds ``--max``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max", type=int, default=None, help="fail when a file is longer than this")
    args = parser.parse_args(argv)
    lengths = file_lengths()
    per_package = Counter()
    for path, n in lengths.items():
        per_package[path.split("/")[0].removesuffix(".py")] += n
    for package, n in per_package.most_common():
        print(f"{package:<20} {n:>6}")
    print(f"{'total':<20} {sum(lengths.values()):>6}")
    too_long = {p: n for p, n in lengths.items() if args.max is not None and n > args.max}
    for path, n in sorted(too_long.items()):
        print(f"too long: ember/{path} has {n} lines (> {args.max})", file=sys.stderr)
    return 1 if too_long else 0


if __name__ == "__main__":
    sys.exit(main())
