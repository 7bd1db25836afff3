"""Mixed precision vs float32 on sklearn's digits: test accuracy and time (issue 16).

Run from the repository root: ``PYTHONPATH=$PWD python benchmarks/bench_mixed_precision.py``.
Float16 on a CPU is emulated by NumPy: this measures fidelity, not a speed-up.
"""

import sys
import time

sys.path.insert(0, ".")
from ember import mixed_precision
from tests.test_mixed_precision import _cnn, _mlp, _train

for name, build, flat in (("mlp", _mlp, True), ("cnn", _cnn, False)):
    for policy in ("float32", "mixed_float16"):
        t = time.perf_counter()
        model, acc, _ = _train(build, flat, policy, 8)
        extra = "" if policy == "float32" else (f", final loss scale {model.optimizer.dynamic_scale:g}, "
                                                f"steps applied {model.optimizer.iterations}")
        print(f"{name} {policy}: test accuracy {acc:.4f}, fit+evaluate {time.perf_counter() - t:.1f} s{extra}")
    mixed_precision.set_global_policy("float32")
