"""Stand-in for make run's web server until it is on this branch: chalice local on the API port and, on the web port,
web/dist with the SPA fallback and /api/* proxied to the API with the prefix stripped (headers and cookies passed)."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "host"}


def main(api_port: int, web_port: int, dist: Path) -> None:
    chalice = Path(sys.executable).parent / "chalice"
    api = subprocess.Popen([str(chalice), "local", "--host", "127.0.0.1", "--port", str(api_port), "--stage", "local",
                            "--no-autoreload"], cwd=ROOT)

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(dist), **kwargs)

        def log_message(self, *args: Any) -> None:
            pass

        def _proxy(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            upstream = http.client.HTTPConnection("127.0.0.1", api_port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            upstream.request(self.command, self.path[len("/api"):] or "/", body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
            self.send_response(reply.status)
            for key, value in reply.getheaders():
                if key.lower() not in HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _static(self) -> None:
            path = self.path.split("?", 1)[0]
            if not (dist / path.lstrip("/")).is_file() and "." not in path.rsplit("/", 1)[-1]:
                self.path = "/index.html"
            super().do_GET()

        def end_headers(self) -> None:
            if not self.path.startswith("/api/"):
                self.send_header("Cache-Control", "no-cache")
            super().end_headers()

        def do_GET(self) -> None:
            self._proxy() if self.path.startswith("/api/") else self._static()

        def do_POST(self) -> None:
            self._proxy()

        do_PUT = do_PATCH = do_DELETE = do_POST

    server = ThreadingHTTPServer(("127.0.0.1", web_port), Handler)
    signal.signal(signal.SIGINT, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        api.send_signal(signal.SIGINT)
        api.wait(timeout=10)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
