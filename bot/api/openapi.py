"""The OpenAPI 3.1 document of REST API v1, written by hand (the property test holds it to the code).

This module puts the document together; its parts are in ``openapi_parts`` (builders, problems),
``openapi_paths`` and the schema modules ``openapi_notice_schemas``, ``openapi_delivery_schemas`` and
``openapi_case_schemas``; the open-data paths (served at the site's root) in ``openapi_opendata``.

Enumerations that are data (notice kinds, languages, statuses) are filled in from what the
application has loaded, so the document and the checks never disagree.
"""

from __future__ import annotations

from typing import Any

from bot.api.openapi_case_schemas import case_schemas
from bot.api.openapi_delivery_schemas import delivery_schemas
from bot.api.openapi_notice_schemas import notice_schemas
from bot.api.openapi_opendata import opendata_paths, opendata_schemas
from bot.api.openapi_parts import JSON, PROBLEM_SCHEMAS, RESPONSES
from bot.api.openapi_paths import case_paths, channel_paths, kind_paths, notice_paths
from bot.office.services import Services
from messages.i18n import LANGUAGES


def build_document(services: Services) -> dict[str, Any]:
    kinds = list(services.kinds.kinds)
    languages = list(LANGUAGES)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "civicast REST API",
            "version": "1.0.0",
            "description": "Compose, approve, send and follow Kaohsiung City's multilingual notices, see which "
            "channels are paused, and handle residents' petitions. Authenticate with an API key: "
            "'Authorization: Bearer cvk_<test|live>_<id>_<secret>'. A test key works only on training "
            "notices. Errors are "
            "application/problem+json (RFC 9457). Times are ISO 8601 with an offset.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"apiKey": []}],
        "tags": [
            {"name": "kinds"},
            {"name": "notices"},
            {"name": "cases"},
            {"name": "channels"},
            {"name": "document"},
            {"name": "opendata"},
        ],
        "paths": {
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApiDocument",
                    "summary": "This document",
                    "tags": ["document"],
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {JSON: {"schema": {"type": "object"}}},
                        },
                        "500": {"$ref": "#/components/responses/InternalError"},
                    },
                }
            },
            **kind_paths(),
            **notice_paths(kinds),
            **case_paths(),
            **channel_paths(),
            **opendata_paths(),
        },
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "cvk_<test|live>_<id>_<secret>"}
            },
            "schemas": {
                **PROBLEM_SCHEMAS,
                **notice_schemas(kinds, languages),
                **delivery_schemas(),
                **case_schemas(),
                **opendata_schemas(),
            },
            "responses": RESPONSES,
        },
    }
