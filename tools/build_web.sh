#!/usr/bin/env bash
# Vendor ONNX Runtime Web for the web demo (web/): npm install the pinned onnxruntime-web and copy the WASM-only
# bundle and its runtime into web/vendor/ (gitignored). No CDN: the page loads only files served from web/.
#
#   tools/build_web.sh            # then: python tools/serve_web.py  ->  http://127.0.0.1:8000/
#
# EMBER_WEB_NPM_PREFIX chooses the npm folder (default: third_party/web). Idempotent.
set -euo pipefail

VERSION=1.31.1
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${EMBER_WEB_NPM_PREFIX:-$root/third_party/web}"
dist="$prefix/node_modules/onnxruntime-web/dist"
files=(ort.wasm.min.js ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm)

if [ ! -f "$dist/ort.wasm.min.js" ] || ! grep -q "\"version\": \"$VERSION\"" "$dist/../package.json"; then
    command -v npm >/dev/null || { echo "build_web.sh: npm not found (apt-get install npm)" >&2; exit 1; }
    npm install --prefix "$prefix" --ignore-scripts --no-audit --no-fund --loglevel=error \
        "onnxruntime-web@$VERSION" >/dev/null
fi
mkdir -p "$root/web/vendor"
for f in "${files[@]}"; do
    cp "$dist/$f" "$root/web/vendor/$f"
done
echo "build_web.sh: onnxruntime-web $VERSION -> web/vendor/ (${files[*]})"
