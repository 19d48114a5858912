"""The compose form, generated from a notice kind's parameters, and read back into parameters.

Every field carries the kind's example as its placeholder; the server checks every value
(``ParamChecker``) and the page names each bad field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from werkzeug.datastructures import MultiDict

from bot.console.district_picker import DistrictPicker, build_picker, chosen_districts
from messages.district_map import district_layout
from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import Catalogs
from messages.kinds import Kind, KindBook, Param, ParamType, Severity

MULTI = (ParamType.DISTRICTS, ParamType.GLOSSARY_LIST)
LINES = (ParamType.NAMES, ParamType.VILLAGES, ParamType.DATES)
INPUT_TYPES = {
    ParamType.DATETIME: "datetime-local",
    ParamType.DATE: "date",
    ParamType.TIME: "time",
    ParamType.INT: "number",
    ParamType.NUMBER: "number",
}
SEVERITIES = [s.value for s in Severity if s is not Severity.UNKNOWN]


@dataclass
class Field:
    name: str  # the form field's name: p.<param>
    param: Param
    label: str
    widget: str  # text, textarea, select, checkboxes, districts, or an <input type>
    value: Any  # str, or a list for checkboxes
    placeholder: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    error: str | None = None
    step: str | None = None
    picker: DistrictPicker | None = None  # the districts widget's areas and map


def _example_text(param: Param) -> str:
    example = param.example
    if example is None:
        return ""
    if isinstance(example, list):
        return "\n".join(str(item) for item in example) if param.type in LINES else ", ".join(map(str, example))
    return str(example)


def _stored_value(param: Param, value: Any) -> Any:
    """A stored (JSON) parameter value as the form shows it."""
    if value is None:
        return [] if param.type in MULTI else ""
    if param.type in MULTI:
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if param.type in LINES:
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if param.type is ParamType.DATETIME and isinstance(value, str):
        return value[:16]  # datetime-local wants minutes, without an offset
    return str(value)


def build_fields(
    kind: Kind,
    book: KindBook,
    glossary: Glossary,
    catalogs: Catalogs,
    language: str,
    *,
    label_for: Callable[[str], str],
    whole_city_label: str = WHOLE_CITY,
    area_label: Callable[[str], str] = str,
    map_title: str = "",
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> list[Field]:
    values, errors = values or {}, errors or {}
    fields = []
    for param in kind.params.values():
        label = label_for(param.name)
        current = _stored_value(param, values.get(param.name))
        item = Field(
            name=f"p.{param.name}",
            param=param,
            label=label,
            widget="text",
            value=current,
            placeholder=_example_text(param),
            error=errors.get(param.name),
        )
        if param.type is ParamType.DISTRICTS:
            item.widget = "districts"
            item.options = [(t.key, glossary.name("district", t.key, language)) for t in glossary.terms("district")]
            item.picker = build_picker(
                glossary, language, current, svg_id=f"f-{param.name}-map", label_for=area_label, map_title=map_title
            )
        elif param.type is ParamType.DISTRICT:
            item.widget = "select"
            item.options = [(t.key, glossary.name("district", t.key, language)) for t in glossary.terms("district")]
        elif param.type is ParamType.ENUM:
            assert param.enum is not None  # the kind's loader refuses an enum parameter without its enum
            item.widget = "select"
            item.options = [
                (key, catalogs.get(language).translate(f"enum.{param.enum}.{key}", english))
                for key, english in book.enums[param.enum].items()
            ]
        elif param.type in (ParamType.GLOSSARY, ParamType.GLOSSARY_LIST):
            assert param.group is not None  # the kind's loader refuses a glossary parameter without its group
            item.widget = "select" if param.type is ParamType.GLOSSARY else "checkboxes"
            item.options = [(t.key, glossary.name(param.group, t.key, language)) for t in glossary.terms(param.group)]
        elif param.type in LINES:
            item.widget = "textarea"
        elif param.type in INPUT_TYPES:
            item.widget = INPUT_TYPES[param.type]
            if param.type is ParamType.NUMBER:
                item.step = "any"
        if item.options and param.example is not None:  # the example in the officer's words, not as keys
            names = dict(item.options) | {WHOLE_CITY: whole_city_label}
            examples = param.example if isinstance(param.example, list) else [param.example]
            item.placeholder = ", ".join(names.get(str(value), str(value)) for value in examples)
        fields.append(item)
    return fields


def params_from_form(kind: Kind, form: MultiDict[str, str], glossary: Glossary) -> dict[str, Any]:
    """Raw parameter values from the submitted form; empty fields are left out (the checker says if required).
    A district area ticked as a whole stands for each of its districts."""
    params: dict[str, Any] = {}
    for param in kind.params.values():
        name = f"p.{param.name}"
        if param.type is ParamType.DISTRICTS:
            chosen = chosen_districts(district_layout(glossary), form, name)
            if form.get(f"{name}.whole_city"):
                chosen = [WHOLE_CITY]
            if chosen:
                params[param.name] = chosen
        elif param.type in MULTI:
            chosen = [v for v in form.getlist(name) if v]
            if chosen:
                params[param.name] = chosen
        elif param.type in LINES:
            lines = [line.strip() for line in form.get(name, "").replace(",", "\n").splitlines() if line.strip()]
            if lines:
                params[param.name] = lines
        else:
            value = form.get(name, "").strip()
            if value:
                params[param.name] = value
    return params


def form_time(value: Any) -> str:
    """A stored time as a datetime-local value (Taipei time)."""
    from messages.i18n import TAIPEI

    if isinstance(value, datetime):
        return value.astimezone(TAIPEI).strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return ""
