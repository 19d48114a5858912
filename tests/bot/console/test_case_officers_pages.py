"""Who handles a case in the console: the officers a case may be assigned to, an agency officer's own API keys
(acting for their agency only), and a case that has no agency yet."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.conversation.models import Case
from bot.office.accounts import create_officer
from bot.office.agencies import seed_agencies
from bot.office.api_keys import verify_api_key
from tests.support.console_pages import Officer, add_case, audit_actions, html, text

WORKS_PASSWORD = "works-password-2026"


def city(services):
    with services.session_factory.begin() as session:
        seed_agencies(session, services.glossary)
        create_officer(session, "works-wang", "agency_officer", agency="public_works_bureau", password=WORKS_PASSWORD)
        create_officer(session, "water-huang", "agency_officer", agency="water_resources_bureau")
        create_officer(session, "vi-chen", "viewer")


def assignee_options(officer: Officer, number: str) -> list[str]:
    return html(officer.get(f"/console/cases/{number}")).xpath("//select[@id='assignee']/option/@value")


def test_a_case_may_be_assigned_only_to_officers_who_may_handle_it(app, services):
    city(services)
    roads = add_case(services)  # the public works bureau's
    unsorted = add_case(services, category="other", user_id="U" + "2" * 32)  # no agency yet
    admin = Officer(app, "ad-wu")
    # Not the viewer (cannot handle cases), not the water resources bureau's officer (another agency's).
    assert sorted(assignee_options(admin, roads)) == ["ad-wu", "ed-lin", "works-wang"]
    assert sorted(assignee_options(admin, unsorted)) == ["ad-wu", "ed-lin"]
    works = Officer(app, "works-wang", password=WORKS_PASSWORD)
    assert sorted(assignee_options(works, roads)) == ["ad-wu", "ed-lin", "works-wang"]

    # The office layer refuses the others too, whatever a hand-made form says.
    for refused in ("water-huang", "vi-chen"):
        page = text(html(admin.post(f"/console/cases/{roads}/assign", {"assignee": refused}, follow_redirects=True)))
        assert f"{refused} may not handle this case" in page
    page = admin.post(f"/console/cases/{roads}/assign", {"assignee": "works-wang"}, follow_redirects=True)
    assert "The case is assigned to works-wang." in text(html(page))
    with services.session_factory() as session:
        assert session.scalar(select(Case.assignee).where(Case.number == roads)) == "works-wang"


def test_an_agency_officer_manages_their_own_api_keys_which_see_only_their_agency(app, services):
    city(services)
    roads = add_case(services)
    drain = add_case(services, category="drainage", user_id="U" + "2" * 32)
    works = Officer(app, "works-wang", password=WORKS_PASSWORD)
    page = works.get("/console/api-keys")
    assert page.status_code == 200
    assert html(page).xpath("//nav//a[@aria-current='page']/@href") == ["/console/api-keys"]
    created = works.post("/console/api-keys", {"name": "works dashboard", "mode": "live"})
    assert created.status_code == 200
    key = text(html(created), "//code[@id='secret-value']")
    with services.session_factory.begin() as session:
        stored, officer = verify_api_key(session, key, now=datetime.now(UTC))
        key_id, agency = stored.key_id, officer.agency
    assert agency == "public_works_bureau"
    assert audit_actions(services, "api_key", key_id) == ["create_api_key"]

    headers = {"Authorization": f"Bearer {key}"}
    client = app.test_client()
    listed = client.get("/api/v1/cases", headers=headers).get_json()
    assert [case["number"] for case in listed["items"]] == [roads]
    assert client.get("/api/v1/cases?agency=water_resources_bureau", headers=headers).get_json()["items"] == []
    assert client.get(f"/api/v1/cases/{drain}", headers=headers).status_code == 404

    assert works.post(f"/console/api-keys/{key_id}/revoke").status_code == 303
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_the_case_page_shows_a_case_with_no_agency_and_no_due_date(app, services):
    city(services)
    number = add_case(services, category="other")
    with services.session_factory.begin() as session:  # as a case from before agencies existed
        case = session.scalar(select(Case).where(Case.number == number))
        case.agency, case.due_on = None, None
    page = Officer(app, "ad-wu").get(f"/console/cases/{number}")
    assert page.status_code == 200
    tree = html(page)
    values = [" ".join(d.text_content().split()) for d in tree.xpath("//dl/dd")]
    facts = dict(zip(tree.xpath("//dl/dt/text()"), values, strict=True))
    assert facts["Agency"] == "no agency yet" and facts["Due by"] == "—"
    listed = Officer(app, "ad-wu").get("/console/cases")
    assert listed.status_code == 200 and number in text(html(listed))


def test_a_page_not_theirs_sends_an_agency_officer_back_to_their_petitions_not_to_the_notices(app, services):
    city(services)
    for lang, back in (("en", "Back to your agency's petitions"), ("zh-Hant", "回到本機關的陳情案件")):
        works = Officer(app, "works-wang", lang, password=WORKS_PASSWORD)
        refused = works.get("/console/agencies")
        assert refused.status_code == 403
        assert html(refused).xpath("//main//a/@href") == ["/console/cases/desk"]
        assert text(html(refused), "//main//a") == back
    admin = Officer(app, "ad-wu")
    assert html(admin.get("/console/notices/999999")).xpath("//main//a/@href") == ["/console/"]
