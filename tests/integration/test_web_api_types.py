"""The web app's API types are generated from the API's own OpenAPI document: drift fails here.

GIVEN the committed web/src/api/schema.d.ts WHEN openapi-typescript (pinned in web/package-lock.json) runs on the
document GET /openapi.json serves THEN the output is identical; regenerate with `python -m tools.web_api_types`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.web_api_types import GENERATOR, TYPES, generate


def test_web_api_types_match_the_openapi_document(tmp_path: Path) -> None:
    if not GENERATOR.exists():
        pytest.fail("web/node_modules is missing: run `make web-install` (npm ci) first")
    fresh = tmp_path / "schema.d.ts"
    generate(fresh)
    assert fresh.read_text() == TYPES.read_text(), "web/src/api/schema.d.ts is stale: run python -m tools.web_api_types"
