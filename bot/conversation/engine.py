"""The conversation engine: one resident's event in, replies in their language out.

States live in the database (``conversations``), so a restart loses no
dialogue. No Flask and no platform SDK here: LINE and Messenger adapters turn
their events into ``Incoming`` and ``Reply`` into their messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.batch import Known, lock_residents, still_current
from bot.conversation.checkin import CheckIns, CheckInState, forget_checkins
from bot.conversation.disaster import DisasterAnswers
from bot.conversation.faq import FaqIndex
from bot.conversation.flows import Flows, Turn
from bot.conversation.live import covers, live_text, live_topic
from bot.conversation.models import Conversation
from bot.conversation.petitions import CaseChange, anonymise_cases, cases_of, record_satisfaction
from bot.conversation.replies import Choice, EventKind, Incoming, Reply
from bot.conversation.texts import BotTexts
from messages.compose import Composer
from messages.db import dialect_insert
from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import DEFAULT_LANGUAGE, LANGUAGES
from messages.notices import active_notices, free_text_versions
from messages.text import without_refused
from scheduler.audience import TOPIC_BITS, Subscriber, SubscriberStatus, catalog_language, find_subscriber

MAX_LATEST = 5


class ConversationEngine:
    def __init__(
        self,
        *,
        session_factory: sessionmaker,
        texts: BotTexts,
        glossary: Glossary,
        composer: Composer,
        faq: FaqIndex,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.session_factory = session_factory
        self.texts = texts
        self.glossary = glossary
        self.composer = composer
        self.faq = faq
        self.clock = clock
        self.flows = Flows(self)
        self.disaster = DisasterAnswers(self)
        self.checkins = CheckIns(self)

    # ------------------------------------------------------------------ entry point

    def handle(self, event: Incoming) -> list[Reply]:
        with self.session_factory.begin() as session:
            return self._turn(session, event)

    def handle_many(self, events: list[Incoming]) -> list[list[Reply]]:
        """Several events (one resident's, in order) in one transaction: the replies to each.

        A webhook worker with a backlog answers a resident's waiting events together, one commit
        for all; if any turn fails, none is kept.
        """
        with self.session_factory.begin() as session:
            return [self._turn(session, event) for event in events]

    def handle_batch(self, residents: list[list[Incoming]]) -> list[list[list[Reply]]]:
        """Several residents' events (each resident's in order) in one transaction: the replies to each event.

        A webhook worker answers a round of claimed events so: their dialogues are locked and their
        records loaded in a few statements, and one commit keeps every turn. If any turn fails, none is kept.
        """
        with self.session_factory.begin() as session:
            known: Known = {}
            for channel in {event.channel for events in residents for event in events}:
                known.update(
                    lock_residents(
                        session,
                        channel,
                        [event.user_id for events in residents for event in events if event.channel == channel],
                    )
                )
            return [[self._turn(session, event, known) for event in events] for events in residents]

    def _turn(self, session: Session, event: Incoming, known: Known | None = None) -> list[Reply]:
        # What a resident types is kept as text civicast can store and send on: a stray control character from
        # a keyboard or a copied message must not break their petition (nor, on PostgreSQL, its storing).
        event = replace(
            event,
            text=without_refused(event.text),
            data=without_refused(event.data, multiline=False),
            address=without_refused(event.address) if event.address else event.address,
        )
        now = self.clock()
        key = (event.channel, event.user_id)
        if known is not None and key in known and still_current(session, known[key][0]):
            conversation, resident = known[key]
        else:
            conversation = self._conversation(session, event.channel, event.user_id)
            resident = find_subscriber(session, event.channel, event.user_id)
        # Set after the look-up, so the conversation is written once, at the end of the turn, and not also
        # flushed before that query.
        if event.kind is not EventKind.UNFOLLOW:
            conversation.last_inbound_at = now
        if resident is not None and resident.status == SubscriberStatus.ACTIVE:
            language = catalog_language(resident.language)
        else:
            language = catalog_language(event.profile_language) if event.profile_language else DEFAULT_LANGUAGE
        turn = Turn(session, event, conversation, resident, language, now)
        replies = self._dispatch(turn)
        if known is not None:  # the resident's next event in this batch starts from where this one left them
            known[key] = (turn.conversation, turn.resident)
        return replies

    @staticmethod
    def _conversation(session: Session, channel: str, user_id: str) -> Conversation:
        """The resident's conversation, created if new and locked until this turn commits.

        The lock keeps two processes from interleaving one resident's turns (PostgreSQL; SQLite
        has a single writer anyway).
        """
        locked = (
            select(Conversation)
            .where(Conversation.channel == channel, Conversation.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        conversation = session.scalars(locked).one_or_none()
        if conversation is None:  # a new resident; another process may be creating the same row right now
            session.execute(
                dialect_insert(session)(Conversation)
                .values(channel=channel, user_id=user_id, state="idle", data={})
                .on_conflict_do_nothing(index_elements=["channel", "user_id"])
            )
            conversation = session.scalars(locked).one()
        return conversation

    def _dispatch(self, turn: Turn) -> list[Reply]:
        kind = turn.event.kind
        if kind is EventKind.FOLLOW:
            return self.follow(turn)
        if kind is EventKind.UNFOLLOW:
            return self.unfollow(turn)
        if turn.resident is None or turn.resident.status != SubscriberStatus.ACTIVE:
            # someone who wrote before following (or after deleting their data): start as a follow would
            return self.follow(turn)
        if kind is EventKind.POSTBACK:
            return self.postback(turn)
        if kind is EventKind.TEXT:
            return self.text(turn)
        state = turn.conversation.state
        if kind is EventKind.LOCATION and state == CheckInState.LOCATION:
            return self.checkins.location(turn)
        if kind is EventKind.LOCATION and state == "petition_location":
            where = turn.event.address or f"{turn.event.latitude:.6f},{turn.event.longitude:.6f}"
            return self.flows.petition_location(turn, where)
        if kind is EventKind.LOCATION:
            return self.disaster.shared_location(turn)
        if kind is EventKind.IMAGE and state == "petition_photo":
            return self.flows.petition_photo(turn, turn.event.content_id)
        return [Reply(self.texts(turn.language, "unsupported_message"), self.menu_choices(turn.language))]

    # ------------------------------------------------------------------ follow, unfollow, delete

    def follow(self, turn: Turn) -> list[Reply]:
        resident = turn.resident
        profile_language = catalog_language(turn.event.profile_language) if turn.event.profile_language else None
        if resident is None:
            resident = Subscriber(
                channel=turn.event.channel,
                platform_user_id=turn.event.user_id,
                language=profile_language or DEFAULT_LANGUAGE,
                status=SubscriberStatus.ACTIVE,
            )
            turn.session.add(resident)
            turn.session.flush()
        else:
            resident.status = SubscriberStatus.ACTIVE
        turn.resident = resident
        turn.conversation.data = {}
        if profile_language:  # the resident's app speaks a language civicast has: use it at once
            resident.language = turn.language = profile_language
            return [Reply(self.texts(profile_language, "greeting")), self.flows.topics_prompt(turn, onboarding=True)]
        # Unknown language: greet in Traditional Chinese and English, then ask.
        greeting = f"{self.texts(DEFAULT_LANGUAGE, 'greeting')}\n\n{self.texts('en', 'greeting')}"
        return [Reply(greeting), self.flows.language_prompt(turn, onboarding=True)]

    def unfollow(self, turn: Turn) -> list[Reply]:
        if turn.resident is not None:
            turn.resident.status = SubscriberStatus.INACTIVE
        turn.go("idle")
        turn.conversation.data = {}
        return []  # an unfollowed account cannot be written to

    def delete_data(self, turn: Turn) -> list[Reply]:
        channel, user = turn.event.channel, turn.event.user_id
        anonymise_cases(turn.session, channel, user)
        forget_checkins(turn.session, channel, user)
        turn.session.execute(
            delete(Subscriber).where(Subscriber.channel == channel, Subscriber.platform_user_id == user)
        )
        turn.session.delete(turn.conversation)
        return [Reply(self.texts(turn.language, "delete_done"))]

    # ------------------------------------------------------------------ postbacks and text

    def postback(self, turn: Turn) -> list[Reply]:
        action = turn.event.action
        name = action.get("action", "")
        flows = self.flows
        simple = {
            "menu": lambda: [self.menu(turn)],
            "latest": lambda: self.latest(turn),
            "ask": lambda: self.ask(turn),
            "faq": lambda: self.suggested_answer(turn, action.get("key", "")),
            "petition": lambda: [flows.petition_start(turn)],
            "cases": lambda: self.my_cases(turn),
            "settings": lambda: [self.settings(turn)],
            "settings_language": lambda: [
                flows.language_prompt(turn, onboarding=bool((turn.conversation.data or {}).get("onboarding")))
            ],
            "settings_topics": lambda: [flows.topics_prompt(turn, onboarding=False)],
            "settings_districts": lambda: [flows.districts_prompt(turn, purpose="settings", page=0)],
            "help": lambda: [Reply(self.texts(turn.language, "help"), self.menu_choices(turn.language))],
            "delete": lambda: [self.confirm_delete(turn)],
            "delete_yes": lambda: self.delete_data(turn),
            "delete_no": lambda: [Reply(self.texts(turn.language, "delete_kept"), self.menu_choices(turn.language))],
            "lang": lambda: flows.set_language(turn, action.get("code", "")),
            "topic": lambda: flows.toggle_topic(turn, action.get("t", "")),
            "all_topics": lambda: flows.topics_done(turn, all_topics=True),
            "topics_done": lambda: flows.topics_done(turn),
            "district": lambda: flows.set_districts(turn, [action.get("d", "")]),
            "page": lambda: [
                flows.districts_prompt(
                    turn,
                    purpose="petition" if turn.conversation.state == "petition_district" else "settings",
                    page=int(action.get("p", "0") or 0),
                )
            ],
            "cat": lambda: flows.petition_category(turn, action.get("c", "")),
            "pdistrict": lambda: flows.petition_district(turn, action.get("d", "")),
            "skip": lambda: self.skip(turn),
            "send": lambda: flows.petition_send(turn),
            "cancel": lambda: self.cancel(turn),
            "survey": lambda: self.survey_answer(turn, action.get("case", ""), action.get("score", "")),
            "alert": lambda: self.disaster.alert(turn),
            "shelters": lambda: self.disaster.shelters(turn),
            "hotlines": lambda: self.disaster.hotlines(turn),
            "status": lambda: self.disaster.status(turn),
            "checkin": lambda: self.checkins.answer(turn, action.get("a", ""), action.get("n", "")),
        }
        handler = simple.get(name)
        return handler() if handler else [self.not_understood(turn)]

    def text(self, turn: Turn) -> list[Reply]:
        text = turn.event.text.strip()
        command = self.texts.keyword(text)
        if command == "menu":
            return [self.menu(turn)]
        if command == "help":
            return [Reply(self.texts(turn.language, "help"), self.menu_choices(turn.language))]
        if command == "language":
            return [self.flows.language_prompt(turn, onboarding=False)]
        state = turn.conversation.state
        if state in ("choosing_districts", "petition_district"):
            keys = self.flows.resolve_districts(text)
            if not keys or (state == "petition_district" and WHOLE_CITY in keys):
                purpose = "settings" if state == "choosing_districts" else "petition"
                return [
                    Reply(self.texts(turn.language, "district_unknown", text=text[:40])),
                    self.flows.districts_prompt(turn, purpose=purpose, page=0),
                ]
            if state == "petition_district":
                return self.flows.petition_district(turn, keys[0])
            return self.flows.set_districts(turn, keys)
        if state == "petition_description":
            return self.flows.petition_description(turn, text)
        if state in (CheckInState.LOCATION, CheckInState.TEXT):
            return self.checkins.text(turn, text)
        if state.startswith("petition_"):
            return [Reply(self.texts(turn.language, "not_understood"), self.menu_choices(turn.language))]
        return self.answer_question(turn, text)

    def skip(self, turn: Turn) -> list[Reply]:
        if turn.conversation.state in (CheckInState.LOCATION, CheckInState.TEXT):
            return self.checkins.skip(turn)
        if turn.conversation.state == "petition_location":
            return self.flows.petition_location(turn, None)
        if turn.conversation.state == "petition_photo":
            return self.flows.petition_photo(turn, None)
        return [self.not_understood(turn)]

    def cancel(self, turn: Turn) -> list[Reply]:
        turn.conversation.data = {}
        turn.go("idle")
        return [Reply(self.texts(turn.language, "petition_cancelled"), self.menu_choices(turn.language))]

    # ------------------------------------------------------------------ menu, questions, latest, cases

    def menu_choices(self, language: str) -> tuple[Choice, ...]:
        return tuple(
            Choice.of(self.texts(language, f"label.{name}"), name)
            for name in ("latest", "ask", "petition", "cases", "settings", "help", "delete")
        )

    def menu(self, turn: Turn) -> Reply:
        turn.go("idle")
        return Reply(self.texts(turn.language, "menu_title"), self.menu_choices(turn.language))

    def settings(self, turn: Turn) -> Reply:
        turn.go("idle")
        choices = tuple(
            Choice.of(self.texts(turn.language, f"label.{name}"), f"settings_{name}")
            for name in ("language", "topics", "districts")
        )
        return Reply(self.texts(turn.language, "settings_title"), choices)

    def ask(self, turn: Turn) -> list[Reply]:
        turn.go("asking")
        return [Reply(self.texts(turn.language, "ask_prompt"))]

    def answer_question(self, turn: Turn, question: str) -> list[Reply]:
        turn.go("idle")
        language = turn.language
        match = self.faq.nearest(question, language)
        if match is not None and match.score >= self.faq.threshold:
            return [*self.live_answer(turn, match.key), self.faq_answer(language, match.answer)]
        # Not sure enough to answer: say so honestly, and offer the nearest question if there is one.
        text = self.texts(language, "faq_unknown")
        choices = [
            Choice.of(self.texts(language, "label.petition"), "petition"),
            Choice.of(self.texts(language, "label.menu"), "menu"),
        ]
        if match is not None:
            text += "\n\n" + self.texts(language, "faq_suggest", question=match.question)
            choices.insert(0, Choice.of(self.texts(language, "label.show_answer"), "faq", key=match.key))
        return [Reply(text, tuple(choices))]

    def faq_answer(self, language: str, answer: str) -> Reply:
        return Reply(
            answer,
            (
                Choice.of(self.texts(language, "label.ask"), "ask"),
                Choice.of(self.texts(language, "label.menu"), "menu"),
            ),
        )

    def live_answer(self, turn: Turn, faq_key: str) -> list[Reply]:
        """For a question about now ("is tomorrow a day off?"), what is in effect for the resident, before
        the FAQ's general text; nothing for a question about how things work."""
        topic = live_topic(faq_key)
        if topic is None or turn.resident is None:
            return []
        return [
            Reply(
                live_text(
                    turn.session,
                    turn.now,
                    resident=turn.resident,
                    topic=topic,
                    language=turn.language,
                    glossary=self.glossary,
                    composer=self.composer,
                    text=self.texts,
                )
            )
        ]

    def suggested_answer(self, turn: Turn, key: str) -> list[Reply]:
        match = self.faq.entry(key, turn.language)
        if match is None:
            return [self.not_understood(turn)]
        return [*self.live_answer(turn, key), self.faq_answer(turn.language, match.answer)]

    def latest(self, turn: Turn) -> list[Reply]:
        resident = turn.resident
        assert resident is not None
        lines = []
        for notice in active_notices(turn.session, turn.now):
            if not resident.topics & TOPIC_BITS.get(notice.topic, 0):
                continue
            if not covers(notice, resident, self.glossary):
                continue
            localised = self.composer.compose(
                notice, turn.language, free_text_versions(turn.session, notice).get(turn.language)
            )
            lines.append("\n".join(part for part in (localised.title_line, localised.link) if part))
        if not lines:
            return [Reply(self.texts(turn.language, "latest_none"), self.menu_choices(turn.language))]
        # The count is of every alert for the area, though only the latest MAX_LATEST are listed.
        header = self.texts(turn.language, "latest_header", count=len(lines))
        text = "\n\n".join([header, *lines[-MAX_LATEST:]])
        return [Reply(text[:4900], self.menu_choices(turn.language))]

    def my_cases(self, turn: Turn) -> list[Reply]:
        cases = cases_of(turn.session, turn.event.channel, turn.event.user_id)
        lang = turn.language
        if not cases:
            return [Reply(self.texts(lang, "cases_none"), self.menu_choices(lang))]
        lines = [
            self.texts(
                lang,
                "case_line",
                number=c.number,
                category=self.texts(lang, f"label.category.{c.category}"),
                status=self.texts(lang, f"status.{c.status}"),
            )
            for c in cases
        ]
        return [Reply("\n".join([self.texts(lang, "cases_header"), *lines]), self.menu_choices(lang))]

    def confirm_delete(self, turn: Turn) -> Reply:
        return Reply(
            self.texts(turn.language, "delete_confirm"),
            (
                Choice.of(self.texts(turn.language, "label.yes_delete"), "delete_yes"),
                Choice.of(self.texts(turn.language, "label.no"), "delete_no"),
            ),
        )

    def not_understood(self, turn: Turn) -> Reply:
        return Reply(self.texts(turn.language, "not_understood"), self.menu_choices(turn.language))

    # ------------------------------------------------------------------ case updates and surveys

    def case_update_replies(self, change: CaseChange) -> list[Reply]:
        """What a resident is sent when an officer changes their case's status."""
        lang = change.language if change.language in LANGUAGES else DEFAULT_LANGUAGE
        text = self.texts(lang, "case_update", number=change.number, status=self.texts(lang, f"status.{change.status}"))
        if change.note:
            text = f"{text}\n{self.texts(lang, 'case_note', note=change.note)}"
        replies = [Reply(text)]
        if change.ask_satisfaction:
            replies.append(
                Reply(
                    self.texts(lang, "survey_question", number=change.number),
                    tuple(
                        Choice.of(str(score), "survey", case=change.number, score=str(score)) for score in range(1, 6)
                    ),
                )
            )
        return replies

    def survey_answer(self, turn: Turn, number: str, score: str) -> list[Reply]:
        if not score.isdigit() or not record_satisfaction(
            turn.session, number, turn.event.channel, turn.event.user_id, int(score)
        ):
            return [self.not_understood(turn)]
        return [Reply(self.texts(turn.language, "survey_thanks"), self.menu_choices(turn.language))]
