"""A dataset as data: name, description, fields with types, update frequency and the query; and the documents
written from it: the JSON rows, the CSV (UTF-8 with a BOM, CRLF lines, RFC 4180) and the metadata document with
the fields data.gov.tw lists for a dataset, plus a JSON Schema of the JSON document."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from bot.opendata_settings import OpenDataSettings
from messages.glossary import Glossary

Row = dict[str, object]

# The licence's name is the platform's; its address, the publisher and the contact come from the opendata settings.
LICENCE_NAME = "Open Government Data License, Taiwan v1.0"
LICENCE_NAME_ZH = "政府資料開放授權條款－第1版"
# data.gov.tw's metadata fields (資料集詮釋資料) under the English keys the metadata document uses.
DATA_GOV_TW_LABELS = {
    "name": "資料集名稱",
    "description": "資料集描述",
    "fields": "主要欄位說明",
    "formats": "檔案格式",
    "encoding": "編碼格式",
    "update_frequency": "更新頻率",
    "licence": "授權方式",
    "licence_url": "授權說明網址",
    "fee": "計費方式",
    "publisher": "提供機關",
    "contact": "提供機關聯絡人",
    "resources": "資料資源下載網址",
    "last_modified": "詮釋資料更新時間",
    "notes": "備註",
}


class FieldType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    DATETIME = "datetime"  # ISO 8601 with an offset
    STRING_LIST = "string list"  # a JSON array; in the CSV, items joined with ";"


class Frequency(StrEnum):
    CONTINUOUS = "continuous"  # every request sees the latest rows
    DAILY = "daily"


FREQUENCY_ZH = {Frequency.CONTINUOUS: "不定期（即時）", Frequency.DAILY: "每日"}


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    description: str
    nullable: bool = False


@dataclass(frozen=True)
class Dataset:
    name: str  # the URL's name: /opendata/<name>.json
    title: str
    title_zh: str
    description: str
    fields: tuple[Field, ...]
    rows: Callable[[Session, Glossary], list[Row]]
    changed: Callable[[Session], datetime | None]  # when the rows last changed, for Last-Modified
    frequency: Frequency = Frequency.CONTINUOUS
    notes: str = ""

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]


_JSON_TYPES: dict[FieldType, dict[str, Any]] = {
    FieldType.STRING: {"type": "string"},
    FieldType.INTEGER: {"type": "integer", "minimum": 0},
    FieldType.NUMBER: {"type": "number"},
    FieldType.DATETIME: {"type": "string", "format": "date-time"},
    FieldType.STRING_LIST: {"type": "array", "items": {"type": "string"}},
}


def field_schema(field: Field) -> dict[str, Any]:
    schema = dict(_JSON_TYPES[field.type], description=field.description)
    if field.nullable:
        schema["type"] = [schema["type"], "null"]
    return schema


def json_schema(dataset: Dataset) -> dict[str, Any]:
    """The JSON Schema (2020-12) of ``/opendata/<name>.json``."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": dataset.title,
        "type": "object",
        "required": ["dataset", "updated_at", "fields", "rows"],
        "properties": {
            "dataset": {"const": dataset.name},
            "updated_at": {"type": ["string", "null"], "format": "date-time"},
            "fields": {"type": "array", "items": {"type": "string"}},
            "description": {"type": "string"},
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": dataset.field_names,
                    "properties": {field.name: field_schema(field) for field in dataset.fields},
                },
            },
        },
    }


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite gives back naive UTC
    return aware.astimezone(UTC).isoformat(timespec="seconds")


def json_document(dataset: Dataset, rows: Sequence[Row], changed: datetime | None) -> bytes:
    body = {
        "dataset": dataset.name,
        "updated_at": iso(changed),
        "fields": dataset.field_names,
        "description": dataset.description,
        "rows": list(rows),
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(map(str, value))
    return value


def csv_document(dataset: Dataset, rows: Sequence[Row]) -> bytes:
    """UTF-8 with a BOM (a spreadsheet opens it with the right characters, as data.gov.tw asks), CRLF lines."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=dataset.field_names, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: _cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def _contact(publication: OpenDataSettings) -> dict[str, str]:
    contact = {"name": publication.contact_name, "name_zh": publication.contact_name_zh}
    if publication.contact_email:
        contact["email"] = publication.contact_email
    contact["phone"] = publication.contact_phone
    return contact


def metadata(
    dataset: Dataset, base_url: str, changed: datetime | None, *, publication: OpenDataSettings
) -> dict[str, Any]:
    """data.gov.tw's metadata fields (English keys, their Chinese labels under ``labels_zh``) and the JSON Schema;
    the publisher, the contact and the licence's address as the opendata settings name them."""
    base = f"{base_url.rstrip('/')}/opendata/{dataset.name}"
    return {
        "identifier": dataset.name,
        "name": dataset.title,
        "name_zh": dataset.title_zh,
        "description": dataset.description,
        "fields": [
            {"name": f.name, "type": f.type.value, "nullable": f.nullable, "description": f.description}
            for f in dataset.fields
        ],
        "formats": ["JSON", "CSV"],
        "encoding": "UTF-8 (CSV with a byte order mark)",
        "update_frequency": dataset.frequency.value,
        "update_frequency_zh": FREQUENCY_ZH[dataset.frequency],
        "licence": LICENCE_NAME,
        "licence_zh": LICENCE_NAME_ZH,
        "licence_url": publication.licence_url,
        "fee": "free",
        "publisher": {"name": publication.publisher, "name_zh": publication.publisher_zh},
        "contact": _contact(publication),
        "resources": [
            {"format": "JSON", "url": f"{base}.json", "media_type": "application/json"},
            {"format": "CSV", "url": f"{base}.csv", "media_type": "text/csv; charset=utf-8"},
        ],
        "last_modified": iso(changed),
        "notes": dataset.notes,
        "labels_zh": DATA_GOV_TW_LABELS,
        "schema": json_schema(dataset),
    }
