"""Auth benchmark: in-process request latency through ``chalice.test.Client`` and the auth route group's import time.

Every figure is a ratio against a baseline measured in the same run, because these machines are noisy:
- a bare Chalice route (``GET /ping`` returning a dict) is the request baseline;
- ``import chalice`` in a fresh interpreter is the import baseline.
Runs on embedded defaults (SQLite store, an embedded redis-server) with the production argon2id cost, so login latency
is dominated by password hashing, as it should be. Run: ``python -m bench.bench_auth``.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"


def _median_ms(call: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _import_ms(statement: str, env: dict[str, str], repeat: int = 7) -> float:
    """Median wall time of a fresh interpreter running ``statement`` minus one running ``pass``."""

    def run(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
        return (time.perf_counter() - started) * 1000

    empty = statistics.median(run("pass") for _ in range(repeat))
    return statistics.median(run(statement) for _ in range(repeat)) - empty


def request_latency(data_dir: Path) -> tuple[float, float, float]:
    os.environ["SHAREMETER_DATA_DIR"] = str(data_dir)
    from chalice.app import Chalice
    from chalice.test import Client

    from app import app
    from chalicelib import bootstrap, http
    from chalicelib.services.users import USERS
    from chalicelib.settings import Settings

    container = bootstrap.bootstrap(Settings.from_env())
    http.use_container(lambda: container)
    bare = Chalice(app_name="bare")

    @bare.route("/ping")
    def ping() -> dict[str, str]:
        return {"status": "ok"}

    headers = {"Content-Type": "application/json"}
    with Client(app) as client, Client(bare) as bare_client:
        client.http.post(
            "/auth/register",
            headers=headers,
            body=f'{{"email":"bench@example.org","password":"{PASSWORD}","name":"B"}}',
        )
        users = container.store.collection(USERS)
        found = users.find_one({"email": "bench@example.org"})
        assert found is not None
        users.update(found["_id"], {"email_verified": True}, expected_version=found["version"])
        login_body = f'{{"email":"bench@example.org","password":"{PASSWORD}"}}'

        def login() -> object:
            reply = client.http.post("/auth/login", headers=headers, body=login_body)
            assert reply.status_code == 200, reply.body
            return reply

        token = login().json_body["access_token"]
        auth_headers = {"Authorization": f"Bearer {token}"}

        def get_me() -> object:
            reply = client.http.get("/me", headers=auth_headers)
            assert reply.status_code == 200
            return reply

        baseline = _median_ms(lambda: bare_client.http.get("/ping"), 300)
        me = _median_ms(get_me, 300)
        sign_in = _median_ms(login, 15)
    container.redis.shutdown(nosave=True)
    return baseline, me, sign_in


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        baseline, me, sign_in = request_latency(Path(data_dir))
        env = {**os.environ, "ROUTE_GROUP": "auth", "SHAREMETER_DATA_DIR": data_dir}
        chalice_import = _import_ms("import chalice", env)
        auth_import = _import_ms("import app", env)
    print("auth benchmark (medians; ratio = against the baseline measured in this run)")
    print(f"{'measure':44} {'ms':>9} {'ratio':>8}")
    print(f"{'bare Chalice GET /ping (baseline)':44} {baseline:9.3f} {1:8.2f}")
    print(f"{'GET /me with a bearer token':44} {me:9.3f} {me / baseline:8.2f}")
    print(f"{'POST /auth/login (argon2id m=19MiB t=2)':44} {sign_in:9.3f} {sign_in / baseline:8.2f}")
    print(f"{'import chalice (baseline)':44} {chalice_import:9.1f} {1:8.2f}")
    print(f"{'import app with ROUTE_GROUP=auth':44} {auth_import:9.1f} {auth_import / chalice_import:8.2f}")


if __name__ == "__main__":
    main()
