"""Open data at stable addresses: ``/opendata/`` (a page listing the datasets) and ``/opendata/index.json``; for
each dataset of ``bot.opendata.datasets.DATASETS``, ``/opendata/<name>.json``, ``/opendata/<name>.csv`` (UTF-8
with a BOM, CRLF lines) and ``/opendata/<name>/metadata.json`` (data.gov.tw's fields and a JSON Schema of the
JSON). Any site may read them (CORS); a repeated request with the ETag gets 304. ``/statistics`` draws this
month's notices by topic and the monthly figures as SVG bar charts, each with a table of the same numbers,
in the resident's language."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, request, url_for

from bot.opendata.charts import draw, notices_by_topic, notices_by_topic_in, petitions_by_month
from bot.opendata.datasets import DATASETS
from bot.opendata.petitions import month_of
from bot.opendata.registry import Dataset, Row, csv_document, json_document, metadata
from bot.public.page_kit import (
    PageLanguage,
    current_services,
    not_modified,
    page_chrome,
    page_etag,
    page_language,
    render_page,
)

blueprint = Blueprint("opendata", __name__)

INDEX_PAGE = "/opendata/"
INDEX_JSON = "/opendata/index.json"
STATISTICS_PAGE = "/statistics"
MAX_AGE_S = 30
JSON_TYPE = "application/json"
CSV_TYPE = "text/csv; charset=utf-8"


def _dataset(name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None:
        abort(404)
    return dataset


def _read(dataset: Dataset) -> tuple[list[Row], datetime | None]:
    services = current_services()
    with services.session_factory() as session:
        return dataset.rows(session, services.glossary), dataset.changed(session)


def _respond(body: bytes, mimetype: str, changed: datetime | None, *, download: str | None = None) -> Response:
    etag = hashlib.sha256(body).hexdigest()[:32]
    if request.if_none_match and request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype=mimetype)
        if download:
            response.headers["Content-Disposition"] = f'inline; filename="{download}"'
    response.set_etag(etag)
    if changed is not None:
        response.last_modified = changed if changed.tzinfo else changed.replace(tzinfo=UTC)
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_S
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


def _links(dataset: Dataset) -> dict[str, str]:
    return {
        "json": url_for("opendata.dataset_json", name=dataset.name),
        "csv": url_for("opendata.dataset_csv", name=dataset.name),
        "metadata": url_for("opendata.dataset_metadata", name=dataset.name),
    }


@blueprint.get("/opendata/<name>.json")
def dataset_json(name: str) -> Response:
    dataset = _dataset(name)
    rows, changed = _read(dataset)
    return _respond(json_document(dataset, rows, changed), JSON_TYPE, changed)


@blueprint.get("/opendata/<name>.csv")
def dataset_csv(name: str) -> Response:
    dataset = _dataset(name)
    rows, changed = _read(dataset)
    return _respond(csv_document(dataset, rows), CSV_TYPE, changed, download=f"{dataset.name}.csv")


@blueprint.get("/opendata/<name>/metadata.json")
def dataset_metadata(name: str) -> Response:
    dataset = _dataset(name)
    services = current_services()
    with services.session_factory() as session:
        changed = dataset.changed(session)
    document = metadata(dataset, services.settings.public_base_url, changed, publication=services.settings.opendata)
    return _respond(json.dumps(document, ensure_ascii=False).encode("utf-8"), JSON_TYPE, changed)


@blueprint.get(INDEX_JSON)
def index_json() -> Response:
    datasets = [
        {"name": d.name, "title": d.title, "title_zh": d.title_zh, "description": d.description, **_links(d)}
        for d in DATASETS.values()
    ]
    body = json.dumps({"datasets": datasets}, ensure_ascii=False).encode("utf-8")
    return _respond(body, JSON_TYPE, None)


def _page(choice: PageLanguage, endpoint: str, template: str, build: Callable[[], dict[str, object]]) -> Response:
    services = current_services()
    chrome = page_chrome(services, choice, endpoint, {})
    context = build()
    etag = page_etag(endpoint, choice.code, choice.unknown, json.dumps(context, default=str, sort_keys=True))
    cached = not_modified(etag, choice)
    if cached is not None:
        return cached
    return render_page(template, 200, choice, etag, **chrome, **context)


@blueprint.get(INDEX_PAGE)
def index_page() -> Response:
    choice = page_language(current_services().settings)

    def build() -> dict[str, object]:
        entries = [
            {"name": d.name, "title": d.title_zh if choice.code.startswith("zh") else d.title, **_links(d)}
            for d in DATASETS.values()
        ]
        return {"datasets": entries, "index_json": url_for("opendata.index_json")}

    return _page(choice, "opendata.index_page", "public/opendata.html", build)


@blueprint.get(STATISTICS_PAGE)
def statistics_page() -> Response:
    services = current_services()
    choice = page_language(services.settings)

    def build() -> dict[str, object]:
        with services.session_factory() as session:
            notices = notices_by_topic(session)
            this_month = notices_by_topic_in(session, month_of(datetime.now(UTC)))
            petitions = petitions_by_month(session, services.glossary)
        return {
            "charts": [
                {"id": "this_month", "figures": this_month, "drawing": draw(this_month)},
                {"id": "notices", "figures": notices, "drawing": draw(notices)},
                {"id": "petitions", "figures": petitions, "drawing": draw(petitions)},
            ],
            "opendata_href": url_for("opendata.index_page", lang=choice.code),
        }

    return _page(choice, "opendata.statistics_page", "public/statistics.html", build)
