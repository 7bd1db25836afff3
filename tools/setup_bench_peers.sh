#!/usr/bin/env bash
# Create the peers' interpreters for `python -m benchmarks` (issue 14: ember against every peer of
# ../shared/bench-peers in the same run), outside the repository:
#
#   $VENVS/keras     tensorflow-cpu 2.21.0 + keras 3.15.1 + threadpoolctl + mnist1d (the peers' versions)
#   $VENVS/tinygrad  tinygrad 0.14.0 + numpy + threadpoolctl + mnist1d; needs clang (Debian, root) for its CPU device
#   torch            not a new venv: torch==2.13.0 (CPU) from $TORCH_PYTHON (ember's dev venv) when it has it, else
#                    $VENVS/torch with torch==2.13.0 (never an unpinned torch: that pulls a multi-GB CUDA build)
#
# VENVS defaults to ../venvs beside the repository (/work/venvs for /work/main), where the runner looks
# (also one level further up, for a worktree in /work/wt/X). Idempotent: an existing venv with the right
# packages is kept. Checks at the end that torch.compile finds a C compiler and tinygrad runs on CPU.
# Exits 1 if something failed, after trying the rest.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venvs="${VENVS:-$(dirname "$root")/venvs}"
python="${TORCH_PYTHON:-$(command -v python || command -v python3)}"  # not PYTHON: tinygrad reads that (its PYTHON device)
base="${BASE_PYTHON:-python3}"   # creates the new venvs (Python 3.11, as the peers' results)
status=0
warn() { echo "setup_bench_peers.sh: $*" >&2; status=1; }
mkdir -p "$venvs"

make_venv() {  # name import-check packages...
    local name=$1 check=$2
    shift 2
    if "$venvs/$name/bin/python" -c "$check" 2>/dev/null; then
        echo "$venvs/$name: already set up"
        return
    fi
    "$base" -m venv "$venvs/$name" && "$venvs/$name/bin/pip" install -q "$@" || warn "creating $venvs/$name failed"
}

make_venv keras "import tensorflow, keras, threadpoolctl, mnist1d" \
    tensorflow-cpu==2.21.0 keras==3.15.1 threadpoolctl mnist1d
make_venv tinygrad "import tinygrad, numpy, threadpoolctl, mnist1d" \
    tinygrad==0.14.0 numpy threadpoolctl mnist1d

if "$python" -c "import torch, threadpoolctl, mnist1d; assert torch.__version__.startswith('2.13.0')" 2>/dev/null; then
    echo "torch: $python (torch $("$python" -c 'import torch; print(torch.__version__)'))"
else
    make_venv torch "import torch, threadpoolctl, mnist1d" torch==2.13.0 numpy threadpoolctl mnist1d
fi

if ! command -v clang >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -q clang >/dev/null || warn "apt-get install clang failed (tinygrad's CPU device needs it)"
    else
        warn "clang missing: run 'apt-get install -y clang' as root (tinygrad's CPU device compiles with it)"
    fi
fi
command -v cc >/dev/null || command -v gcc >/dev/null || warn "no C compiler (cc/gcc): torch.compile will fail"

# Smoke checks: one compiled torch function, one tinygrad kernel on the CPU device.
torch_py="$python"
[ -x "$venvs/torch/bin/python" ] && torch_py="$venvs/torch/bin/python"
"$torch_py" -c "import torch; f = torch.compile(lambda x: (x * 2).sin()); f(torch.ones(4))" 2>/dev/null \
    && echo "torch.compile: ok" || warn "torch.compile failed with $torch_py"
env -u PYTHON "$venvs/tinygrad/bin/python" -c "from tinygrad import Tensor; assert (Tensor.ones(4) * 2).sum().item() == 8" \
    2>/dev/null && echo "tinygrad CPU: ok" || warn "tinygrad failed (clang on PATH?)"
exit $status
