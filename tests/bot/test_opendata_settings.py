"""The ``opendata:`` settings: the publisher, contact and licence address every metadata document names, from the
configuration (defaults: the city and its Information Bureau); bad values refused with the key named."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.office.services import Services
from bot.opendata.datasets import DATASETS
from bot.settings import PROJECT_ROOT, ConfigError, load_settings

OPENDATA = """opendata:
  publisher: Tainan City Government
  publisher_zh: 臺南市政府
  contact_name: Research and Evaluation Commission
  contact_name_zh: 臺南市政府研究發展考核委員會
  contact_email: ${OPENDATA_EMAIL}
  contact_phone: "06-299-1111 #8123"
  licence_url: https://data.tainan.gov.tw/licence
"""


def config(tmp_path, database_url: str, extra: str = "") -> str:
    path = tmp_path / "config.yaml"
    path.write_text(f"database:\n  url: {database_url}\ntranslation:\n  engine: none\n{extra}", encoding="utf-8")
    return str(path)


def metadata_of(tmp_path, database_url: str, extra: str, environ: dict[str, str]) -> list[dict]:
    services = Services(load_settings(config(tmp_path, database_url, extra), environ=environ))
    try:
        client = create_app(services.settings, services, resume_webhook_events=False).test_client()
        documents = []
        for name in DATASETS:
            response = client.get(f"/opendata/{name}/metadata.json")
            assert response.status_code == 200, name
            documents.append(response.get_json())
        return documents
    finally:
        services.close()


def test_the_shipped_config_names_the_city_and_its_information_bureau():
    opendata = load_settings(PROJECT_ROOT / "config.yaml", environ={}).opendata
    assert (opendata.publisher, opendata.publisher_zh) == ("Kaohsiung City Government", "高雄市政府")
    assert opendata.contact_name_zh == "高雄市政府資訊局" and opendata.contact_phone == "1999"
    assert opendata.contact_email is None
    shipped = load_settings(PROJECT_ROOT / "config.yaml", environ={"CIVICAST_OPENDATA_EMAIL": "data@kcg.gov.tw"})
    assert shipped.opendata.contact_email == "data@kcg.gov.tw"


def test_every_metadata_document_names_the_configured_publisher_and_contact(tmp_path, database_url, engine):
    for meta in metadata_of(tmp_path, database_url, OPENDATA, {"OPENDATA_EMAIL": "opendata@mail.tainan.gov.tw"}):
        assert meta["publisher"] == {"name": "Tainan City Government", "name_zh": "臺南市政府"}
        assert meta["contact"] == {
            "name": "Research and Evaluation Commission",
            "name_zh": "臺南市政府研究發展考核委員會",
            "email": "opendata@mail.tainan.gov.tw",
            "phone": "06-299-1111 #8123",
        }
        assert meta["licence_url"] == "https://data.tainan.gov.tw/licence"
        assert meta["licence"] == "Open Government Data License, Taiwan v1.0"


def test_without_settings_the_metadata_names_the_information_bureau_and_no_address(tmp_path, database_url, engine):
    for meta in metadata_of(tmp_path, database_url, "", {}):
        assert meta["publisher"]["name_zh"] == "高雄市政府"
        assert meta["contact"] == {
            "name": "Information Bureau, Kaohsiung City Government",
            "name_zh": "高雄市政府資訊局",
            "phone": "1999",
        }


@pytest.mark.parametrize(
    ("text", "named", "problem"),
    [
        ("contact_email: data-at-kcg.gov.tw", "opendata.contact_email", "e-mail"),
        ("contact_phone: call the bureau", "opendata.contact_phone", "telephone"),
        ("licence_url: ftp://data.gov.tw/license", "opendata.licence_url", "http(s) URL"),
        ('publisher: "Kaohsiung\\nCity Government"', "opendata.publisher", "control characters"),
        ('contact_name_zh: "資訊局\\t"', "opendata.contact_name_zh", "control characters"),
        ('publisher_zh: "  "', "opendata.publisher_zh", "blank"),
        ("publisher: ''", "opendata.publisher", "at least 1 character"),
        ("agency: Information Bureau", "opendata.agency", "Extra inputs"),
    ],
)
def test_bad_opendata_settings_name_the_key_and_the_problem(tmp_path, text, named, problem):
    path = tmp_path / "config.yaml"
    path.write_text(f"opendata:\n  {text}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    message = str(caught.value)
    assert named in message and problem in message and "\n" not in message.replace("\\n", "")
