"""Regenerate the web app's API types (web/src/api/schema.d.ts) from the OpenAPI document the API itself builds.

`python -m tools.web_api_types` writes the file; tests/integration/test_web_api_types.py runs the same generation into
a temporary file and fails when the committed types drifted from the API (run this, then commit).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
TYPES = WEB / "src" / "api" / "schema.d.ts"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"


def api_document() -> dict[str, object]:
    """The document `GET /openapi.json` serves, built in-process from the registered routes."""
    from app import app
    from chalicelib.openapi import build_spec

    return build_spec(app.routes, title="sharemeter API", version="0.1.0")


def generate(target: Path) -> None:
    """Run openapi-typescript (pinned in web/package-lock.json) on the API's document into ``target``."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "openapi.json"
        source.write_text(json.dumps(api_document(), indent=1, sort_keys=True))
        command = [str(GENERATOR), str(source), "--default-non-nullable", "false", "-o", str(target)]
        subprocess.run(command, check=True, capture_output=True, cwd=WEB)  # noqa: S603 (our pinned generator, our paths)


if __name__ == "__main__":
    generate(TYPES)
    sys.stdout.write(f"wrote {TYPES.relative_to(ROOT)}\n")
