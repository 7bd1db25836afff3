#!/usr/bin/env bash
# Serve the web demo on http://127.0.0.1:8000/ (one command): vendors onnxruntime-web first if web/vendor/ is
# empty (tools/build_web.sh, npm), then runs tools/serve_web.py. Arguments go to serve_web.py (e.g. --port 8080).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-$(command -v python3 || command -v python)}"
[ -f "$root/web/vendor/ort.wasm.min.js" ] || "$root/tools/build_web.sh"
exec "$python" "$root/tools/serve_web.py" "$@"
