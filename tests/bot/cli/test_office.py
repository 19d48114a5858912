"""civicast officer and civicast apikey: accounts and keys from the command line, secrets printed once."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.office.accounts import authenticate
from bot.office.api_keys import verify_api_key
from bot.office.audit import entries
from bot.office.models import AuditEntry
from tests.support.cli import run
from tests.support.officers import as_officer, officers


def test_officer_add_prints_a_password_that_signs_in(capsys, services):
    code, out, _ = run(capsys, "officer", "add", "ap-chen", "--role", "approver", "--name", "陳核稿")
    assert code == 0 and "officer ap-chen (approver) created" in out
    password = re.search(r"password: (\S+)", out).group(1)
    with services.session_factory.begin() as session:
        officer = authenticate(session, "ap-chen", password, now=datetime.now(UTC))
        assert (officer.role, officer.display_name) == ("approver", "陳核稿")
        assert [e.action for e in entries(session, subject_type="officer")[0]] == ["create_officer"]


def test_a_password_can_come_from_stdin(capsys, services, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-enough-password\n"))
    code, out, _ = run(capsys, "officer", "add", "ed-lin", "--role", "editor", "--password-stdin")
    assert code == 0 and "password:" not in out
    with services.session_factory.begin() as session:
        assert authenticate(session, "ed-lin", "a-long-enough-password", now=datetime.now(UTC))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("officer", "add", "Bad Name", "--role", "editor"), "is not a username"),
        (("officer", "password", "nobody"), "there is no officer called nobody"),
        (
            ("apikey", "create", "--by", "nobody", "--password-file", "/nonexistent/file", "--name", "x"),
            "--password-file: cannot read /nonexistent/file",
        ),
        (("officer", "add", "lin", "--role", "editor", "--name", "Lin\x1b[31m"), "--name"),
        (("apikey", "revoke", "0123456789ab"), "there is no API key 0123456789ab"),
    ],
)
def test_mistakes_are_one_line_with_status_2(capsys, services, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2 and err.strip() == f"civicast: error: {err.strip().split('error: ', 1)[1]}"
    assert message in err and "Traceback" not in err


def test_demo_officers_get_fresh_passwords_each_run(capsys, services):
    code, first, _ = run(capsys, "officer", "demo")
    assert code == 0
    credentials = dict(re.findall(r"^\s+\w+\s+(demo-\w+)\s+(\S+)$", first, re.M))
    assert set(credentials) == {"demo-editor", "demo-approver", "demo-admin"}
    _, second, _ = run(capsys, "officer", "demo")
    again = dict(re.findall(r"^\s+\w+\s+(demo-\w+)\s+(\S+)$", second, re.M))
    assert again["demo-editor"] != credentials["demo-editor"]
    with services.session_factory.begin() as session:
        assert authenticate(session, "demo-editor", again["demo-editor"], now=datetime.now(UTC))


def test_an_api_key_is_printed_once_listed_without_its_secret_and_revoked(capsys, services, tmp_path):
    """A key is created by its own officer, who gives their password: nobody mints one for somebody else."""
    officers(services.session_factory, **{"ed-lin": "editor"})
    code, _, err = run(capsys, "apikey", "create", "--name", "x", *as_officer(tmp_path, "ed-lin", "someone else's"))
    assert code == 2 and "wrong username or password" in err
    code, out, _ = run(capsys, "apikey", "create", "--name", "newsroom script", *as_officer(tmp_path, "ed-lin"))
    key = out.strip()
    assert code == 0 and key.startswith("cvk_test_")
    _, listing, _ = run(capsys, "apikey", "list")
    key_id = key.split("_")[2]
    assert key_id in listing and "test" in listing and key.split("_", 3)[3] not in listing
    assert run(capsys, "apikey", "revoke", key_id)[0] == 0
    with services.session_factory.begin() as session, pytest.raises(Exception, match="revoked"):
        verify_api_key(session, key, now=datetime.now(UTC))
    with services.session_factory() as session:
        created = session.scalar(select(AuditEntry).where(AuditEntry.action == "create_api_key"))
    assert (created.actor, created.via) == ("ed-lin", "cli")
