"""Open data at /opendata/: every dataset as JSON (valid against the schema in its metadata) and as CSV (BOM,
header, CRLF), never a resident's id, name or words, never a training notice; and the statistics page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import lxml.html
import pytest

from bot.api.openapi import build_document
from bot.app import create_app
from bot.conversation.models import Case, CaseEvent, CaseStatus, CheckIn, CheckInAnswer, PollVote
from bot.office.services import Services
from bot.opendata.datasets import DATASETS
from bot.opendata.petitions import month_of
from bot.settings import load_settings
from messages.polls import Poll, PollOption
from scheduler.outbox import Delivery, DeliveryRecipients, DeliveryStatus
from tests.support.factories import saved_notice
from tests.support.json_schema import validate

NOW = datetime.now(UTC)
LINE_USER = "U4af4980629aaaaaaaaaaaaaaaaaaaaaa"
OTHER_USER = "Ub1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6"
NAME = "Chen Mei-ling 陳美玲"
FREE_TEXT = "The drain outside my house on Zhongzheng Road is blocked again"
NOTE = "Called the resident back at 0912-345-678"
SECRETS = (LINE_USER, OTHER_USER, NAME, "陳美玲", FREE_TEXT, NOTE, "0912-345-678", "KH-2026-000777", "Officer Lin")


@pytest.fixture
def app(tmp_path, database_url, engine):
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n", encoding="utf-8")
    services = Services(load_settings(config, environ={}))
    application = create_app(services.settings, services, resume_webhook_events=False)
    yield application
    services.close()


@pytest.fixture
def services(app):
    return app.extensions["civicast"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def seeded(services):
    """A live notice, a training one, deliveries with recipients, petitions with names and words, check-ins."""
    with services.session_factory.begin() as session:
        live = saved_notice(session, services.composer, districts=["qishan", "meinong"])
        live.ask_checkin = True
        drill = saved_notice(session, services.composer, training=True, districts=["qishan"])
        for notice, status, count in (
            (live, DeliveryStatus.SENT, 2),
            (live, DeliveryStatus.DEAD, 1),
            (drill, DeliveryStatus.SENT, 1),
        ):
            delivery = Delivery(
                notice_id=notice.id, channel="line", language="zh-Hant", status=status, recipient_count=count
            )
            delivery.recipient_list = DeliveryRecipients(recipients=[LINE_USER, OTHER_USER][:count])
            session.add(delivery)
        created = NOW - timedelta(days=3)
        answered = Case(
            number="KH-2026-000777",
            channel="line",
            user_id=LINE_USER,
            language="zh-Hant",
            category="drainage",
            district="qishan",
            description=f"{NAME}: {FREE_TEXT}",
            location="Zhongzheng Road 12",
            status=CaseStatus.CLOSED,
            assignee="Officer Lin",
            satisfaction=4,
            created_at=created,
            due_on=(created + timedelta(days=3)).date(),
        )
        waiting = Case(
            number="KH-2026-000778",
            channel="line",
            user_id=OTHER_USER,
            language="en",
            category="drainage",
            district="qishan",
            description=FREE_TEXT,
            created_at=created,
        )
        session.add_all([answered, waiting])
        session.flush()
        session.add(CaseEvent(case_id=answered.id, status=CaseStatus.RECEIVED, created_at=created))
        session.add(
            CaseEvent(
                case_id=answered.id,
                status=CaseStatus.RESOLVED,
                note=NOTE,
                officer="Officer Lin",
                created_at=created + timedelta(days=2),
            )
        )
        session.add(
            CheckIn(
                notice_id=live.id,
                user_id=LINE_USER,
                channel="line",
                district="qishan",
                answer=CheckInAnswer.HELP,
                case_id=answered.id,
            )
        )
        session.add(
            CheckIn(notice_id=drill.id, training=True, user_id=OTHER_USER, district="qishan", answer=CheckInAnswer.SAFE)
        )
        poll = saved_notice(session, services.composer, districts=["qishan"])
        poll.free_text = "Should the typhoon day off include schools?"
        session.add(Poll(notice_id=poll.id, closes_at=NOW - timedelta(hours=1)))
        session.add_all(
            [
                PollOption(notice_id=poll.id, position=1, phrase_key="yes"),
                PollOption(notice_id=poll.id, position=2, text="Only on holidays"),
            ]
        )
        session.add(PollVote(notice_id=poll.id, position=1, channel="line", user_id=LINE_USER, district="qishan"))
        return {"live": live.id, "drill": drill.id, "poll": poll.id, "identifier": drill.identifier}


def fetch(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response


def test_every_dataset_is_listed_with_its_three_documents(client, seeded):
    listed = fetch(client, "/opendata/index.json").get_json()["datasets"]
    assert {d["name"] for d in listed} == set(DATASETS) == {"notices", "deliveries", "petitions", "checkins", "polls"}
    page = lxml.html.fromstring(fetch(client, "/opendata/?lang=zh-Hant").get_data(as_text=True))
    for name in DATASETS:
        links = page.xpath(f"//li[@data-dataset='{name}']//a/@href")
        assert links == [f"/opendata/{name}.json", f"/opendata/{name}.csv", f"/opendata/{name}/metadata.json"]


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_the_csv_opens_with_its_bom_and_header(client, seeded, name):
    response = fetch(client, f"/opendata/{name}.csv")
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b"")
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header == DATASETS[name].field_names
    assert response.headers["Access-Control-Allow-Origin"] == "*" and response.headers["ETag"]


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_the_json_validates_against_the_schema_in_the_metadata(client, seeded, name):
    meta = fetch(client, f"/opendata/{name}/metadata.json").get_json()
    assert meta["licence_url"] == "https://data.gov.tw/license"
    assert meta["licence_zh"] == "政府資料開放授權條款－第1版"
    assert {"name", "description", "fields", "update_frequency", "contact", "labels_zh"} <= set(meta)
    assert [field["name"] for field in meta["fields"]] == DATASETS[name].field_names
    document = fetch(client, f"/opendata/{name}.json").get_json()
    assert document["rows"], name
    assert validate(document, meta["schema"]) == [], name
    broken = dict(document, rows=[dict(document["rows"][0], extra="x")])
    assert validate(broken, meta["schema"]), "the schema must refuse a field it does not list"


def test_no_personal_data_and_no_training_notice_in_any_dataset(client, seeded):
    for name in DATASETS:
        for suffix in (".json", ".csv"):
            published = fetch(client, f"/opendata/{name}{suffix}").get_data().decode("utf-8-sig")
            for secret in (*SECRETS, seeded["identifier"]):
                assert secret not in published, (name, suffix, secret)
    notices = fetch(client, "/opendata/notices.json").get_json()["rows"]
    assert sorted(row["id"] for row in notices) == [seeded["live"], seeded["poll"]]
    notices = [row for row in notices if row["id"] == seeded["live"]]
    assert notices[0]["districts"] == ["qishan", "meinong"] and notices[0]["languages"] == ["zh-Hant"]
    assert notices[0]["districts_zh"] == ["旗山區", "美濃區"]
    deliveries = fetch(client, "/opendata/deliveries.json").get_json()["rows"]
    assert [(r["notice_id"], r["sent"], r["dead"], r["recipients_reached"]) for r in deliveries] == [
        (seeded["live"], 1, 1, 2)
    ]
    checkins = fetch(client, "/opendata/checkins.json").get_json()["rows"]
    assert [(r["notice_id"], r["help"], r["safe"]) for r in checkins] == [(seeded["live"], 1, 0)]


def test_petitions_are_counted_per_month_category_district_and_agency(client, seeded):
    (row,) = fetch(client, "/opendata/petitions.json").get_json()["rows"]
    keys = ("category", "district", "agency", "received", "answered", "answered_on_time", "ratings")
    assert {k: row[k] for k in keys} == {
        "category": "drainage",
        "district": "qishan",
        "agency": "",  # neither case was assigned to an agency
        "received": 2,
        "answered": 1,
        "answered_on_time": 1,  # answered two days after receipt, due three days after
        "ratings": 1,
    }
    assert row["median_days_to_answer"] == 2.0 and row["mean_satisfaction"] == 4.0


def test_a_repeated_request_with_the_etag_gets_304(client, seeded):
    first = fetch(client, "/opendata/notices.json")
    again = client.get("/opendata/notices.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and first.headers["Last-Modified"]


def test_an_unknown_dataset_is_not_found(client):
    assert client.get("/opendata/residents.json").status_code == 404


@pytest.mark.parametrize("lang", ["zh-Hant", "en"])
def test_the_statistics_page_draws_each_chart_with_a_table(client, seeded, lang):
    response = fetch(client, f"/statistics?lang={lang}")
    assert response.headers["Content-Language"] == lang
    page = lxml.html.fromstring(response.get_data(as_text=True))
    charts = page.xpath("//section[@class='chart']")
    assert len(charts) == 3
    for chart in charts:
        (svg,) = chart.xpath(".//svg")
        assert svg.get("role") == "img"
        labelled = svg.get("aria-labelledby").split()
        assert [svg.xpath(f".//*[@id='{i}']")[0].tag for i in labelled] == ["title", "desc"]
        (table,) = chart.xpath(".//table")
        assert table.xpath("./caption") and table.xpath(".//th[@scope='col']")
    month = NOW.astimezone().strftime("%Y-%m")
    petitions = page.xpath("//table[@data-chart='petitions']//tbody/tr")
    assert [[c.text_content() for c in row] for row in petitions][-1][1:] == ["2", "1"]
    assert page.xpath("//script") == []
    assert month[:4] in response.get_data(as_text=True)
    if lang == "zh-Hant":
        assert page.xpath("//h1")[0].text_content() == "統計資料"


def test_the_statistics_page_counts_this_months_notices_by_topic_in_a_chart_and_its_table(client, services, seeded):
    with services.session_factory.begin() as session:
        saved_notice(session, services.composer, "extreme_heat")
        saved_notice(session, services.composer, "dengue_outbreak")
        saved_notice(session, services.composer, "emergency_parking", sent_at=NOW - timedelta(days=62))
        saved_notice(session, services.composer, "air_quality", training=True)
    page = lxml.html.fromstring(fetch(client, "/statistics?lang=en").get_data(as_text=True))
    (section,) = page.xpath("//section[@class='chart'][.//table[@data-chart='this_month']]")
    assert section.xpath("./h2")[0].text_content() == "Notices sent this month, by topic"
    table = section.xpath(".//table[@data-chart='this_month']")[0]
    assert [th.text_content() for th in table.xpath(".//thead//th")] == ["Month", "Disaster", "Health", "Transport"]
    (row,) = table.xpath(".//tbody/tr")
    # The seeded live notice and poll (disaster) and the two health notices; not the drills, not an earlier month's.
    assert [cell.text_content() for cell in row] == [month_of(NOW), "2", "2", "0"]
    bars = {rect.get("class"): rect.xpath("./title")[0].text_content() for rect in section.xpath(".//svg//rect")}
    assert bars == {"chart-disaster": "Disaster: 2", "chart-health": "Health: 2", "chart-transport": "Transport: 0"}
    chinese = lxml.html.fromstring(fetch(client, "/statistics?lang=zh-Hant").get_data(as_text=True))
    assert chinese.xpath("//h2[@id='chart-this_month-title']")[0].text_content() == "本月發送通知數（依主題）"


def test_the_api_document_lists_every_open_data_path_and_each_answers_as_documented(app, client, seeded):
    document = build_document(app.extensions["civicast"])
    documented = {path: item for path, item in document["paths"].items() if path.startswith("/opendata/")}
    expected = {"/opendata/index.json"} | {
        f"/opendata/{name}{suffix}" for name in DATASETS for suffix in (".json", ".csv", "/metadata.json")
    }
    assert set(documented) == expected
    schemas = document["components"]["schemas"]
    for path, item in documented.items():
        assert item["servers"] == [{"url": "/", "description": item["servers"][0]["description"]}]
        assert item["get"]["security"] == []
        ((media, content),) = item["get"]["responses"]["200"]["content"].items()
        response = fetch(client, path)
        assert response.mimetype == media, path
        if media == "application/json":
            schema = schemas[content["schema"]["$ref"].rsplit("/", 1)[1]]
            assert validate(response.get_json(), schema) == [], path
