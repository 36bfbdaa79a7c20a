"""``make run``: the API on http://127.0.0.1:$PORT (default 8000) and the web app on http://127.0.0.1:$WEB_PORT
(default 5173), on embedded defaults, in one supervisor process (``tools/devserver``).

Children, started in this order and stopped in reverse on Ctrl-C or SIGTERM: the embedded redis-server (unless
``REDIS_URL`` is set), the API (``chalice local`` behind a front that restarts it on source changes without dropping
requests), and the web app's server (``web/dist``, built first when missing or stale, and ``/api`` proxied to the API).
Links in emails and SMS point at the web app (``PUBLIC_APP_URL`` follows ``WEB_PORT`` unless set).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tools.devserver.api import ApiServer
from tools.devserver.redis_server import EmbeddedRedis
from tools.devserver.sources import SourceWatcher
from tools.devserver.supervisor import Supervisor, say
from tools.devserver.webapp import WebServer
from tools.devserver.webbuild import ensure_built

ROOT = Path(__file__).resolve().parent.parent
API_SOURCES = ("app.py", "chalicelib", ".chalice/config.json")


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.run", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface for both servers (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000), help="API port ($PORT)")
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("WEB_PORT") or 5173),
                        help="web app port ($WEB_PORT)")
    parser.add_argument("--no-reload", action="store_true", help="do not restart the API when its sources change")
    parser.add_argument("--no-build", action="store_true", help="serve web/dist as it is (no npm ci, no build)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    data_dir = ROOT / env.get("SHAREMETER_DATA_DIR", ".data")
    env["SHAREMETER_DATA_DIR"] = str(data_dir)
    env.setdefault("PUBLIC_APP_URL", f"http://{arguments.host}:{arguments.web_port}")
    api_prefix = env.setdefault("PUBLIC_API_PREFIX", "/api")

    supervisor = Supervisor()
    if not env.get("REDIS_URL"):
        redis_server = EmbeddedRedis(data_dir)
        env["REDIS_URL"] = redis_server.url
        supervisor.add(redis_server)
    api = ApiServer(
        root=ROOT, host=arguments.host, port=arguments.port, env=env, chalice=Path(sys.executable).parent / "chalice",
        watcher=None if arguments.no_reload else SourceWatcher(ROOT, API_SOURCES),
    )
    supervisor.add(api)
    web = ROOT / "web"
    supervisor.add(WebServer(host=arguments.host, port=arguments.web_port, dist=web / "dist", upstream=api.upstream,
                             api_prefix=api_prefix, prepare=lambda: None if arguments.no_build else ensure_built(web)))

    def ready() -> None:
        say(f"API      http://{arguments.host}:{arguments.port}  (OpenAPI at /openapi.json, outbox at /dev/outbox)")
        say(f"Web app  http://{arguments.host}:{arguments.web_port}  (calls the API at {api_prefix}/...)")
        say("Ctrl-C stops everything")

    return supervisor.run(on_ready=ready)


if __name__ == "__main__":
    sys.exit(main())
