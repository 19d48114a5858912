"""A small JSON Schema validator for the keywords the open-data schemas use (type, const, required, properties,
additionalProperties: false, items, minimum, format: date-time): the tests need no extra package."""

from __future__ import annotations

from datetime import datetime
from typing import Any

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "number": (int, float),
    "integer": int,
    "boolean": bool,
    "null": type(None),
}


def _is(value: object, name: str) -> bool:
    if name in {"integer", "number"} and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def validate(value: object, schema: dict[str, Any], path: str = "$") -> list[str]:
    """Every way the value breaks the schema, as "path: reason"; empty when it is valid."""
    errors: list[str] = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: is not {schema['const']!r}")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is(value, name) for name in names):
            return [*errors, f"{path}: is not {names}"]
    if isinstance(value, int | float) and not isinstance(value, bool) and value < schema.get("minimum", value):
        errors.append(f"{path}: below {schema['minimum']}")
    if isinstance(value, str) and schema.get("format") == "date-time":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            errors.append(f"{path}: not a date-time with an offset")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: {key} missing")
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key in properties:
                errors.extend(validate(item, properties[key], f"{path}.{key}"))
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: {key} not allowed")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors.extend(validate(item, schema["items"], f"{path}[{index}]"))
    return errors
