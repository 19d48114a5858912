"""The bot's commands: civicast faq seed and civicast case update (errors as one line, nothing lost)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.conversation.models import Case, CaseEvent, FaqEntry
from bot.conversation.petitions import open_case
from tests.support.cli import run
from tests.support.officers import as_officer, officers


def test_faq_seed_loads_every_language(capsys, services):
    code, out, _ = run(capsys, "faq", "seed")
    assert code == 0 and "in 12 languages" in out
    with services.session_factory() as session:
        assert session.scalar(select(func.count(func.distinct(FaqEntry.language)))) == 12
        seeded = session.scalar(select(func.count()).select_from(FaqEntry))
    assert run(capsys, "faq", "seed")[0] == 0  # seeding again replaces, never duplicates
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(FaqEntry)) == seeded


def test_case_update_errors_name_the_problem_and_change_nothing(capsys, services, tmp_path):
    officers(services.session_factory, lin="editor", huang="viewer")
    with services.session_factory.begin() as session:
        number = open_case(
            session,
            channel="line",
            user_id="U" + "1" * 32,
            language="en",
            category="roads",
            district="sanmin",
            description="A pothole on Jiuru Road.",
            location=None,
            photo=None,
            now=datetime.now(UTC),
        ).number
    with services.session_factory() as session:
        events = session.scalar(select(func.count()).select_from(CaseEvent))
    code, _, err = run(capsys, "case", "update", number, "--status", "fixed", *as_officer(tmp_path, "lin"))
    assert code == 2 and "'fixed' is not one of" in err and "Traceback" not in err
    code, _, err = run(capsys, "case", "update", "KH-2026-999999", "--status", "closed", *as_officer(tmp_path, "lin"))
    assert code == 2 and "KH-2026-999999" in err
    code, _, err = run(capsys, "case", "update", number, "--status", "closed", *as_officer(tmp_path, "huang"))
    assert code == 2 and "huang is viewer" in err  # a viewer reads petitions but changes none
    code, _, err = run(
        capsys, "case", "update", number, "--status", "closed", "--note", "done\x1b[2J", *as_officer(tmp_path, "lin")
    )
    assert code == 2 and "--note" in err and "control character" in err
    with services.session_factory() as session:
        assert session.scalar(select(Case.status)) == "received"
        assert session.scalar(select(func.count()).select_from(CaseEvent)) == events


def test_case_update_of_a_deleted_resident_still_saves_the_status(capsys, services, tmp_path):
    officers(services.session_factory, lin="editor")
    with services.session_factory.begin() as session:
        case = open_case(
            session,
            channel="line",
            user_id="U" + "2" * 32,
            language="vi",
            category="lighting",
            district="lingya",
            description="Đèn đường hỏng.",
            location=None,
            photo=None,
            now=datetime.now(UTC),
        )
        case.channel = case.user_id = None  # the resident deleted their data
        number = case.number
    code, out, _ = run(
        capsys, "case", "update", number, "--status", "resolved", "--note", "Repaired.", *as_officer(tmp_path, "lin")
    )
    assert code == 0 and "nobody to tell" in out
    with services.session_factory() as session:
        assert session.scalar(select(Case.status)) == "resolved"


def test_the_wsgi_entry_point_builds_the_app_from_the_configuration(services):
    from bot.wsgi import create

    app = create()  # as gunicorn calls 'bot.wsgi:create()': settings from $CIVICAST_CONFIG
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 200 and response.get_json()["channels_mode"] == "sandbox"
        assert app.test_client().post("/webhooks/line", data=b"{}").status_code == 400  # unsigned
    finally:
        app.extensions["civicast.webhook_executor"].shutdown(wait=True)
