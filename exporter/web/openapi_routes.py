"""GET /openapi.json: the OpenAPI 3.1 description of the HTTP API (exporter/web/openapi.json).

The file is the contract the fuzz tests (tests/security/) check the live server
against: every operation, every documented error answer as JSON ``{"error": ...}``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from exporter.web.dispatch import WebRequest, route
from exporter.web.params import check_query


@cache
def openapi_bytes() -> bytes:
    return resources.files("exporter.web").joinpath("openapi.json").read_bytes()


def openapi_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(openapi_bytes())
    return spec


def openapi(request: WebRequest) -> Response:
    check_query(request)
    return Response(openapi_bytes(), mimetype="application/json", headers={"Cache-Control": "public, max-age=300"})


def rules() -> list[Rule]:
    return [route("/openapi.json", openapi)]
