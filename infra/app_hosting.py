"""The web app and the API on one origin: CloudFront serves the PWA from S3 and sends ``/api/*`` to API Gateway.

Same origin everywhere (the web app contract): the app calls relative ``/api/...`` URLs, so it needs no CORS and the
refresh cookie stays first-party. API Gateway's stage is ``api`` (``.chalice/config.json``), so ``/api/auth/login``
reaches route ``/auth/login`` with the path unchanged. The ``/api/*`` behaviour caches nothing, allows every method
and forwards every viewer header but ``Host`` (``Authorization``, ``Idempotency-Key``, ``If-Match``, ``Origin``,
``Sec-Fetch-Site``, cookies) and every query string: AWS's managed policies, since a custom origin request policy may
not forward ``Authorization``. The app's own answers get the security headers of ``infra/web_headers.py``; the
API's answers keep the API's (``chalicelib/http/responses.py``).

App routes (``/groups/abc``) are rewritten to ``/index.html`` by a viewer-request CloudFront function, not by the
distribution's custom error responses: those would also turn the API's own 403 and 404 answers into the app shell.
"""

from __future__ import annotations

from typing import Any

from infra.web_headers import (
    CUSTOM_HEADERS,
    FRAME_OPTION,
    HSTS_MAX_AGE_SECONDS,
    REFERRER_POLICY,
    content_security_policy,
)

Json = dict[str, Any]

API_STAGE = "api"  # = .chalice/config.json api_gateway_stage = the path prefix the app calls (PUBLIC_API_PREFIX)
API_PATH_PATTERN = f"/{API_STAGE}/*"
API_ORIGIN_ID = "api"
SPA_ROUTING = "PwaSpaRouting"
APP_HEADERS = "PwaSecurityHeaders"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # AWS managed cache policy
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # AWS managed origin request policy
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
# presigned uploads and downloads of reading photos (boto3 signs for the global and the regional host)
PHOTO_ORIGINS = ("https://${PhotoBucket}.s3.amazonaws.com", "https://${PhotoBucket.RegionalDomainName}")

# The SPA rule, the same as make run's web server (tools/devserver/webapp.py, is_app_route): a last path segment
# without a dot is an app route. CloudFront Functions runtime 2.0 (a subset of ES2020).
SPA_ROUTING_CODE = """function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""


def resources() -> Json:
    """The CloudFront function for app routes and the response headers policy of the app's answers."""
    return {
        SPA_ROUTING: {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": {"Fn::Sub": "sharemeter-${Stage}-spa-routes"},
                "AutoPublish": True,
                "FunctionCode": SPA_ROUTING_CODE,
                "FunctionConfig": {"Comment": "app routes get the app shell", "Runtime": "cloudfront-js-2.0"},
            },
        },
        APP_HEADERS: {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {"ResponseHeadersPolicyConfig": _headers_policy()},
        },
    }


def api_origin() -> Json:
    return {
        "Id": API_ORIGIN_ID,
        "DomainName": {"Fn::Sub": "${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}"},
        "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]},
    }


def api_behaviour() -> Json:
    return {
        "PathPattern": API_PATH_PATTERN,
        "TargetOriginId": API_ORIGIN_ID,
        "ViewerProtocolPolicy": "https-only",
        "AllowedMethods": ALL_METHODS,
        "CachedMethods": ["GET", "HEAD"],
        "CachePolicyId": CACHING_DISABLED,
        "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
    }


def app_behaviour_extras() -> Json:
    """What the default (app) behaviour adds: the app's headers policy and the app-route rewrite."""
    return {
        "ResponseHeadersPolicyId": {"Ref": APP_HEADERS},
        "FunctionAssociations": [
            {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [SPA_ROUTING, "FunctionARN"]}}
        ],
    }


def _headers_policy() -> Json:
    return {
        "Name": {"Fn::Sub": "sharemeter-${Stage}-app"},
        "Comment": "sharemeter web app: CSP without unsafe-inline, HSTS, nosniff, no framing, no referrer",
        "SecurityHeadersConfig": {
            "ContentSecurityPolicy": {
                "ContentSecurityPolicy": {"Fn::Sub": content_security_policy(photo_origins=PHOTO_ORIGINS)},
                "Override": True,
            },
            "ContentTypeOptions": {"Override": True},
            "FrameOptions": {"FrameOption": FRAME_OPTION, "Override": True},
            "ReferrerPolicy": {"ReferrerPolicy": REFERRER_POLICY, "Override": True},
            "StrictTransportSecurity": {
                "AccessControlMaxAgeSec": HSTS_MAX_AGE_SECONDS, "IncludeSubdomains": True, "Preload": False,
                "Override": True,
            },
        },
        "CustomHeadersConfig": {
            "Items": [{"Header": name, "Value": value, "Override": True} for name, value in CUSTOM_HEADERS.items()]
        },
    }
