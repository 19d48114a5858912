"""Open data: check-in counts per live notice and district, and closed polls' votes per option and district, as
JSON and as CSV (UTF-8 with a BOM, so a spreadsheet opens it with the right characters). Counts only: no
resident's id, case or words; drills and polls still open left out."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app

from bot.office import polls
from bot.office.checkins import OPEN_DATA_FIELDS, open_data

blueprint = Blueprint("opendata", __name__)

CHECKINS_JSON = "/opendata/checkins.json"
CHECKINS_CSV = "/opendata/checkins.csv"
POLLS_JSON = "/opendata/polls.json"
POLLS_CSV = "/opendata/polls.csv"
MAX_AGE_S = 30


def _rows() -> list[dict[str, object]]:
    with current_app.extensions["civicast"].session_factory() as session:
        return open_data(session)


def _poll_rows() -> list[dict[str, object]]:
    with current_app.extensions["civicast"].session_factory() as session:
        return polls.open_data(session, now=datetime.now(UTC))


def _csv(fields: tuple[str, ...], rows: list[dict[str, object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({key: "" if value is None else value for key, value in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def _respond(body: bytes, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_S
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@blueprint.get(CHECKINS_JSON)
def checkins_json() -> Response:
    body = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fields": list(OPEN_DATA_FIELDS),
        "description": "Check-in answers (I'm safe / I need help) per live notice and district; a resident's "
        'latest answer counts. District "all": residents following the whole city. A null '
        "notice: answers given when no notice asked.",
        "rows": _rows(),
    }
    return _respond(json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json")


@blueprint.get(CHECKINS_CSV)
def checkins_csv() -> Response:
    return _respond(_csv(OPEN_DATA_FIELDS, _rows()), "text/csv; charset=utf-8")


@blueprint.get(POLLS_JSON)
def polls_json() -> Response:
    body = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fields": list(polls.OPEN_DATA_FIELDS),
        "description": "Votes in the city's closed polls per option and district; each resident votes once, the "
        'first answer counts. "answer" is the option as written (a reviewed answer by its key: yes, no, '
        'not_sure). District "all": residents following the whole city; an empty district: no votes.',
        "rows": _poll_rows(),
    }
    return _respond(json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json")


@blueprint.get(POLLS_CSV)
def polls_csv() -> Response:
    return _respond(_csv(polls.OPEN_DATA_FIELDS, _poll_rows()), "text/csv; charset=utf-8")
