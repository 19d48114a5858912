"""The polls dataset: closed live polls' votes per option and district (``bot.office.polls.open_data``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.office.polls import open_data as closed_poll_votes
from bot.opendata.registry import Dataset, Field, FieldType, Row
from messages.glossary import Glossary
from messages.polls import Poll


def poll_rows(session: Session, _glossary: Glossary) -> list[Row]:
    return closed_poll_votes(session, now=datetime.now(UTC))


def polls_changed(session: Session) -> datetime | None:
    # Rows appear when a poll closes, and a closed poll takes no vote: the latest closing is the last change.
    return session.scalar(select(func.max(Poll.closes_at)).where(Poll.closes_at <= datetime.now(UTC)))


POLLS = Dataset(
    name="polls",
    title="Poll results",
    title_zh="市政意見調查結果",
    description="Votes in the city's closed polls per option and district; each resident votes once, the first "
    "vote counting. Drills and polls still open are left out; no resident's id.",
    fields=(
        Field("notice_id", FieldType.INTEGER, "The poll's notice."),
        Field("notice_identifier", FieldType.STRING, "The notice's CAP identifier."),
        Field("question", FieldType.STRING, "The question, as the officers wrote it."),
        Field("closes_at", FieldType.DATETIME, "When voting closed."),
        Field("option", FieldType.INTEGER, "The option's place, from 1."),
        Field("answer", FieldType.STRING, "The option: a phrase-bank answer by its key, or the officers' words."),
        Field("district", FieldType.STRING, 'District key of the voters; "all": residents following the whole city.'),
        Field("votes", FieldType.INTEGER, "Votes for the option from the district."),
    ),
    rows=poll_rows,
    changed=polls_changed,
)
