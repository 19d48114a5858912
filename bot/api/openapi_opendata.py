"""The open-data paths of the OpenAPI document: for each dataset, its JSON (with the schema of its rows), its CSV
and its metadata document, and the index. They are served at the site's root, not under /api/v1, and need no key:
each path names its own server."""

from __future__ import annotations

from typing import Any

from bot.api.openapi_parts import JSON, ref
from bot.opendata.datasets import DATASETS
from bot.opendata.registry import Dataset, json_schema

CSV = "text/csv"
SITE_ROOT = [{"url": "/", "description": "the public site (open data is not under /api/v1)"}]
NOT_MODIFIED = {"description": "Unchanged since the ETag given in If-None-Match."}


def _schema_name(dataset: Dataset) -> str:
    return "OpenData" + "".join(part.capitalize() for part in dataset.name.split("_"))


def _get(operation_id: str, summary: str, content: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "servers": SITE_ROOT,
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "tags": ["opendata"],
            "security": [],
            "responses": {"200": {"description": summary, "content": content}, "304": NOT_MODIFIED},
        },
    }


def opendata_paths() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/opendata/index.json": _get(
            "listOpenData",
            "The open datasets and their addresses",
            {JSON: {"schema": ref("OpenDataIndex")}},
            "Each dataset's name, titles, description and the addresses of its JSON, CSV and metadata.",
        )
    }
    for dataset in DATASETS.values():
        stem = "".join(part.capitalize() for part in dataset.name.split("_"))
        paths[f"/opendata/{dataset.name}.json"] = _get(
            f"getOpenData{stem}",
            f"{dataset.title} (JSON)",
            {JSON: {"schema": ref(_schema_name(dataset))}},
            dataset.description,
        )
        paths[f"/opendata/{dataset.name}.csv"] = _get(
            f"getOpenData{stem}Csv",
            f"{dataset.title} (CSV)",
            {CSV: {"schema": {"type": "string"}}},
            "The same rows as the JSON: UTF-8 with a byte order mark, CRLF lines, a header row; lists joined "
            "with ';', nulls empty.",
        )
        paths[f"/opendata/{dataset.name}/metadata.json"] = _get(
            f"getOpenData{stem}Metadata",
            f"{dataset.title}: metadata",
            {JSON: {"schema": ref("OpenDataMetadata")}},
            "data.gov.tw's metadata fields (name, description, fields with types, update frequency, licence, "
            "contact) and the JSON Schema of the JSON document.",
        )
    return paths


def opendata_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for dataset in DATASETS.values():
        schema = json_schema(dataset)
        schema.pop("$schema")
        schemas[_schema_name(dataset)] = schema
    link = {"type": "string"}
    schemas["OpenDataIndex"] = {
        "type": "object",
        "required": ["datasets"],
        "properties": {
            "datasets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "title", "title_zh", "description", "json", "csv", "metadata"],
                    "properties": {
                        key: link for key in ("name", "title", "title_zh", "description", "json", "csv", "metadata")
                    },
                },
            }
        },
    }
    schemas["OpenDataMetadata"] = {
        "type": "object",
        "required": ["identifier", "name", "description", "fields", "update_frequency", "licence", "contact", "schema"],
        "properties": {
            "identifier": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "fields": {"type": "array", "items": {"type": "object"}},
            "update_frequency": {"type": "string"},
            "licence": {"type": "string"},
            "licence_url": {"type": "string"},
            "contact": {"type": "object"},
            "schema": {"type": "object"},
        },
    }
    return schemas
