"""Check-in counts as the duty desk and the public see them: a drill's answers never reach the open data, answers
given to no notice are counted by district, and the open data holds counts only."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.conversation.models import CheckIn, CheckInAnswer
from bot.office.checkins import district_counts, open_data, summary
from tests.support.factories import saved_notice

NOW = datetime.now(UTC)


def answer(session, notice, user, district, given):
    session.add(
        CheckIn(
            notice_id=notice.id if notice else None,
            training=bool(notice and notice.training),
            channel="line",
            user_id=user,
            district=district,
            answer=CheckInAnswer(given),
            created_at=NOW,
            updated_at=NOW,
        )
    )


def test_open_data_counts_live_answers_only_and_names_nobody(session_factory, composer, glossary):
    with session_factory.begin() as session:
        live = saved_notice(session, composer, "heavy_rain", level="torrential_rain", districts=["qishan"])
        drill = saved_notice(
            session, composer, "heavy_rain", training=True, level="torrential_rain", districts=["qishan"]
        )
        for user, given in (("U-a", "safe"), ("U-b", "help"), ("U-c", "help")):
            answer(session, live, user, "qishan", given)
        answer(session, drill, "U-d", "qishan", "help")
        answer(session, None, "U-e", "meinong", "safe")
        session.flush()
        rows = open_data(session)
        live_counts, drill_counts = district_counts(session, live.id), district_counts(session, drill.id)
        drill_summary = summary(session, drill, glossary)
        live_id = live.id, live.identifier
    assert rows == [
        {
            "notice_id": live_id[0],
            "notice_identifier": live_id[1],
            "kind": "heavy_rain",
            "district": "qishan",
            "safe": 1,
            "help": 2,
        },
        {"notice_id": None, "notice_identifier": None, "kind": None, "district": "meinong", "safe": 1, "help": 0},
    ]
    assert "U-" not in json.dumps(rows)
    assert live_counts == {"qishan": {"safe": 1, "help": 2}}
    assert drill_counts == {"qishan": {"safe": 0, "help": 1}}  # kept apart, on the drill's own page
    assert (drill_summary.safe, drill_summary.help) == (0, 1)
