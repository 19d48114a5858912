"""Opening and closing a shelter: an officer allowed to send notices, never a test key, always audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from bot.office.accounts import Actor, PermissionDenied
from bot.office.models import AuditEntry, Role
from bot.office.notice_rules import RuleRefused
from bot.office.shelters import ShelterNotFound, find_shelter, set_shelter_open
from bot.shelters.models import Shelter
from tests.support.shelters import import_test_list

NOW = datetime(2026, 9, 1, 20, 0, tzinfo=UTC)
APPROVER = Actor("ap-chen", Role.APPROVER, via="cli")


@pytest.fixture
def shelters(session_factory, glossary):
    return import_test_list(session_factory, glossary, now=NOW)


def test_opening_and_closing_are_audited(session_factory, shelters):
    with session_factory.begin() as session:
        shelter, state, _ = set_shelter_open(session, shelters["旗山國小"], True, by=APPROVER, now=NOW)
        assert state.open and (shelter.open_changed_by, shelter.open_changed_at) == ("ap-chen", NOW)
    with session_factory.begin() as session:
        set_shelter_open(session, shelters["旗山國小"], False, by=APPROVER, now=NOW)
    with session_factory() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.via, AuditEntry.summary)
            .where(AuditEntry.subject_type == "shelter", AuditEntry.subject_id == str(shelters["旗山國小"]))
            .order_by(AuditEntry.id)
        ).all()
        assert not session.get(Shelter, shelters["旗山國小"]).open
    assert [tuple(row) for row in rows] == [
        ("open_shelter", "ap-chen", "cli", "旗山區 旗山國小"),
        ("close_shelter", "ap-chen", "cli", "旗山區 旗山國小"),
    ]


@pytest.mark.parametrize(
    ("actor", "refusal"),
    [
        (Actor("ed-lin", Role.EDITOR), PermissionDenied),
        (Actor("viewer", Role.VIEWER), PermissionDenied),
        (Actor("ap-chen", Role.APPROVER, via="api", key_mode="test", key_id="k" * 12), RuleRefused),
    ],
)
def test_only_officers_who_may_send_open_shelters(session_factory, shelters, actor, refusal):
    with session_factory() as session, pytest.raises(refusal):
        set_shelter_open(session, shelters["旗山國小"], True, by=actor, now=NOW)
    with session_factory() as session:
        assert not session.get(Shelter, shelters["旗山國小"]).open
        assert session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "shelter")).all() == []


def test_a_shelter_no_longer_listed_cannot_be_opened(session_factory, shelters):
    with session_factory.begin() as session:
        session.execute(update(Shelter).where(Shelter.id == shelters["林園國小"]).values(withdrawn_at=NOW))
    with session_factory() as session, pytest.raises(ShelterNotFound, match="no longer on the national list"):
        set_shelter_open(session, shelters["林園國小"], True, by=APPROVER, now=NOW)


def test_a_shelter_is_found_by_id_or_by_name(session_factory, shelters):
    with session_factory() as session:
        assert find_shelter(session, str(shelters["三民國中"])).name == "三民國中"
        assert find_shelter(session, " 三民 國中 ").id == shelters["三民國中"]
        with pytest.raises(ShelterNotFound, match="no listed shelter is called '鳳山國小'"):
            find_shelter(session, "鳳山國小")
        with pytest.raises(ShelterNotFound, match="there is no shelter 999999"):
            find_shelter(session, "999999")


def test_two_shelters_of_one_name_need_the_district(session_factory, shelters):
    with session_factory.begin() as session:
        session.execute(
            update(Shelter).where(Shelter.id == shelters["旗津國中"]).values(name="三民國中", name_key="三民國中")
        )  # as if 旗津 had a school of that name
    with session_factory() as session:
        with pytest.raises(ShelterNotFound, match="2 shelters are called '三民國中': give the id or the district"):
            find_shelter(session, "三民國中")
        assert find_shelter(session, "三民國中", district="cijin").id == shelters["旗津國中"]
