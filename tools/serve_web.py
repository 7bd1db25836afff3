"""Serve the web demo (web/) on http://127.0.0.1:8000/ with the MIME types WebAssembly and JS modules need.

    tools/build_web.sh                 # once: vendors onnxruntime-web into web/vendor/
    python tools/serve_web.py [--port 8000]

Python's stock ``http.server`` may send ``.mjs`` as ``application/octet-stream``, which browsers refuse to
import as a module; this handler maps ``.mjs``/``.js`` to ``text/javascript`` and ``.wasm`` to ``application/wasm``.
Binds to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import threading

WEB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web")


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
        ".onnx": "application/octet-stream", ".html": "text/html",
    }  # fmt: skip

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's parameter name
        if os.environ.get("EMBER_WEB_QUIET") is None:
            super().log_message(format, *args)


def make_server(port: int = 8000, root: str = WEB) -> http.server.ThreadingHTTPServer:
    """A server for ``root`` on 127.0.0.1:``port`` (``port=0``: any free port; read ``server.server_port``)."""
    if not os.path.isfile(os.path.join(root, "vendor", "ort.wasm.min.js")):
        raise FileNotFoundError("web/vendor/ort.wasm.min.js is missing: run tools/build_web.sh first")
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=root))


def serve_in_thread(port: int = 0):
    """Start a server in a daemon thread; returns it (call ``shutdown()`` then ``server_close()``)."""
    server = make_server(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve ember's web demo locally.")
    parser.add_argument("--port", type=int, default=8000)
    port = parser.parse_args().port
    with make_server(port) as httpd:
        print(f"ember web demo: http://127.0.0.1:{port}/  (Ctrl-C to stop)")
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
