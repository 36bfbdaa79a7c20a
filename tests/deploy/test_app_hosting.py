"""Production hosting, same origin: CloudFront serves the app from S3 and sends ``/api/*`` to API Gateway (stage
``api``) uncached with every viewer header but Host; the app's answers carry the security headers make run sends;
app routes get the shell without hiding the API's own 403/404; API Gateway grants no CORS and answers unknown routes
with a 404 problem. The whole template is validated (cfn-lint, SAM transform) by test_package.py."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from chalicelib.settings import Settings
from infra import app_hosting, template
from infra.discovery import AppShape, Route
from infra.specs import load_spec
from infra.web_headers import security_headers
from tools.devserver.webapp import is_app_route

ROOT = Path(__file__).resolve().parents[2]


def _distribution() -> dict[str, Any]:
    config: dict[str, Any] = template._pwa_hosting()["PwaDistribution"]["Properties"]["DistributionConfig"]
    return config


def _rendered_headers(policy: dict[str, Any]) -> dict[str, str]:
    """The HTTP headers CloudFront adds with this response headers policy."""
    security = policy["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    headers = {
        "Content-Security-Policy": security["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"],
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}"
        + ("; includeSubDomains" if hsts["IncludeSubdomains"] else "") + ("; preload" if hsts["Preload"] else ""),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": security["FrameOptions"]["FrameOption"],
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
    }
    headers |= {item["Header"]: item["Value"] for item in policy["CustomHeadersConfig"]["Items"]}
    overrides = [entry["Override"] for entry in security.values()] + [i["Override"] for i in
                                                                      policy["CustomHeadersConfig"]["Items"]]
    assert all(overrides)  # the app's policy wins over anything S3 metadata might carry
    return headers


def test_api_requests_go_to_api_gateway_uncached_with_every_header_but_host() -> None:
    config = _distribution()
    [behaviour] = config["CacheBehaviors"]
    assert behaviour["PathPattern"] == "/api/*"
    assert behaviour["CachePolicyId"] == app_hosting.CACHING_DISABLED
    assert behaviour["OriginRequestPolicyId"] == app_hosting.ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(behaviour["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert behaviour["ViewerProtocolPolicy"] == "https-only"  # a redirect would turn a POST into a GET
    assert "ResponseHeadersPolicyId" not in behaviour  # the API's answers keep the API's own headers
    origin = next(o for o in config["Origins"] if o["Id"] == behaviour["TargetOriginId"])
    assert origin["DomainName"] == {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert "OriginPath" not in origin  # /api/auth/login reaches stage api, route /auth/login
    assert origin["CustomOriginConfig"] == {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]}


def test_the_api_stage_is_the_prefix_the_app_calls() -> None:
    chalice = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert chalice["stages"]["prod"]["api_gateway_stage"] == app_hosting.API_STAGE
    assert Settings().public_api_prefix == f"/{app_hosting.API_STAGE}"


def test_v3_4_the_apps_answers_carry_the_headers_make_run_sends() -> None:
    """ASVS 5.0 V3.4.1-V3.4.6: HSTS, a CSP without unsafe-inline scripts, nosniff, framing refused, no referrer."""
    config = _distribution()
    resources = app_hosting.resources()
    policy = resources[config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]["Ref"]]
    headers = _rendered_headers(policy["Properties"]["ResponseHeadersPolicyConfig"])
    assert headers == security_headers(photo_origins=app_hosting.PHOTO_ORIGINS)
    directives = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
    assert directives["script-src"] == "'self'" and "unsafe" not in headers["Content-Security-Policy"]
    assert directives["connect-src"].split() == ["'self'", *app_hosting.PHOTO_ORIGINS]
    assert (directives["worker-src"], directives["manifest-src"], directives["frame-ancestors"]) == (
        "'self'", "'self'", "'none'")


def test_app_routes_are_rewritten_by_a_function_not_by_error_pages_that_would_hide_api_errors() -> None:
    config = _distribution()
    assert "CustomErrorResponses" not in config  # they would turn the API's 403/404 problems into the app shell
    [association] = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert association == {"EventType": "viewer-request",
                           "FunctionARN": {"Fn::GetAtt": [app_hosting.SPA_ROUTING, "FunctionARN"]}}
    function = app_hosting.resources()[app_hosting.SPA_ROUTING]["Properties"]
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0" and function["AutoPublish"] is True


URIS = ["/", "/groups", "/groups/abc/bills", "/invitations/accept", "/verify-email", "/assets/index-3f2a.js",
        "/manifest.webmanifest", "/sw.js", "/icons/icon-192.png", "/favicon.ico", "/groups/abc/"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront function's JavaScript")
def test_the_cloudfront_function_routes_exactly_like_make_runs_web_server() -> None:
    script = app_hosting.SPA_ROUTING_CODE + (
        "const uris = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(uris.map((uri) => handler({request: {uri}}).uri)));"
    )
    completed = subprocess.run(["node", "-e", script, json.dumps(URIS)], capture_output=True, text=True, check=True)
    rewritten = json.loads(completed.stdout)
    assert rewritten == ["/index.html" if is_app_route(uri) else uri for uri in URIS]
    assert rewritten[URIS.index("/groups/abc/bills")] == "/index.html"
    assert rewritten[URIS.index("/assets/index-3f2a.js")] == "/assets/index-3f2a.js"


def test_api_gateway_grants_no_cors_and_answers_unknown_routes_with_a_404_problem() -> None:
    shape = AppShape("prod", {}, {"auth": (Route("/auth/login", "POST", "sign_in"),)}, ())
    api = template._api_properties(shape, {"auth": "AuthFunction"})
    assert "Cors" not in api  # same origin: a cross-origin preflight gets no Access-Control-Allow-Origin, by design
    assert api["EndpointConfiguration"] == "REGIONAL"  # behind CloudFront already
    responses = api["GatewayResponses"]
    unknown = responses["MISSING_AUTHENTICATION_TOKEN"]
    assert unknown["StatusCode"] == "404"
    assert json.loads(unknown["ResponseTemplates"]["application/json"])["type"].endswith("/problems/not-found")
    for response in responses.values():
        headers = response["ResponseParameters"]["Headers"]
        assert headers["Content-Type"] == "'application/problem+json'" and headers["Cache-Control"] == "'no-store'"
        assert not any(name.startswith("Access-Control-") for name in headers)


def test_functions_build_links_on_the_apps_origin() -> None:
    properties = template._function_properties(load_spec("auth", required=True), AppShape("prod", {}, {}, ()), {})
    env = properties["Environment"]["Variables"]
    assert env["PUBLIC_APP_URL"] == {"Ref": "PwaOrigin"} and "PUBLIC_BASE_URL" not in env
