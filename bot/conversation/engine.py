"""The conversation engine: one resident's event in, replies in their language out.

States live in the database (``conversations``), so a restart loses no
dialogue. No Flask and no platform SDK here: LINE and Messenger adapters turn
their events into ``Incoming`` and ``Reply`` into their messages.

The engine takes each event to its turn and routes it; the answers are
``answers`` (the menu's), ``flows`` (settings and petitions, step by step),
``disaster``, ``checkin`` and ``polls``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.answers import Answers
from bot.conversation.batch import Known, lock_residents, still_current
from bot.conversation.checkin import CheckIns, CheckInState, forget_checkins
from bot.conversation.deadlines import PetitionRules
from bot.conversation.disaster import DisasterAnswers
from bot.conversation.faq import FaqIndex
from bot.conversation.flows import Flows, Turn
from bot.conversation.models import Conversation
from bot.conversation.petitions import anonymise_cases
from bot.conversation.polls import Polls, forget_votes
from bot.conversation.replies import EventKind, Incoming, Reply
from bot.conversation.texts import BotTexts
from messages.compose import Composer
from messages.db import dialect_insert
from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import DEFAULT_LANGUAGE
from messages.text import without_refused
from scheduler.audience import ALL_TOPICS, Subscriber, SubscriberStatus, catalog_language, find_subscriber


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
        petition_rules: PetitionRules | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.petition_rules = petition_rules or PetitionRules()
        self.texts = texts
        self.glossary = glossary
        self.composer = composer
        self.faq = faq
        self.clock = clock
        self.answers = Answers(self)
        self.flows = Flows(self)
        self.disaster = DisasterAnswers(self)
        self.checkins = CheckIns(self)
        self.polls = Polls(self)

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
        return [Reply(self.texts(turn.language, "unsupported_message"), self.answers.menu_choices(turn.language))]

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
                # The column defaults, set now: the turn reads them before the insert, which waits for the commit
                # (a round's new residents are then inserted in one statement).
                topics=ALL_TOPICS,
                districts=0,
                whole_city=True,
                test_recipient=False,
            )
            turn.session.add(resident)
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
        forget_votes(turn.session, channel, user)
        turn.session.execute(
            delete(Subscriber).where(Subscriber.channel == channel, Subscriber.platform_user_id == user)
        )
        turn.session.delete(turn.conversation)
        return [Reply(self.texts(turn.language, "delete_done"))]

    # ------------------------------------------------------------------ postbacks and text

    def postback(self, turn: Turn) -> list[Reply]:
        action = turn.event.action
        name = action.get("action", "")
        flows, answers = self.flows, self.answers
        simple = {
            "menu": lambda: [answers.menu(turn)],
            "latest": lambda: answers.latest(turn),
            "ask": lambda: answers.ask(turn),
            "faq": lambda: answers.suggested_answer(turn, action.get("key", "")),
            "petition": lambda: [flows.petition_start(turn)],
            "cases": lambda: answers.my_cases(turn),
            "settings": lambda: [answers.settings(turn)],
            "settings_language": lambda: [
                flows.language_prompt(turn, onboarding=bool((turn.conversation.data or {}).get("onboarding")))
            ],
            "settings_topics": lambda: [flows.topics_prompt(turn, onboarding=False)],
            "settings_districts": lambda: [flows.districts_prompt(turn, purpose="settings", page=0)],
            "help": lambda: [Reply(self.texts(turn.language, "help"), answers.menu_choices(turn.language))],
            "delete": lambda: [answers.confirm_delete(turn)],
            "delete_yes": lambda: self.delete_data(turn),
            "delete_no": lambda: [Reply(self.texts(turn.language, "delete_kept"), answers.menu_choices(turn.language))],
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
            "survey": lambda: answers.survey_answer(turn, action.get("case", ""), action.get("score", "")),
            "alert": lambda: self.disaster.alert(turn),
            "shelters": lambda: self.disaster.shelters(turn),
            "hotlines": lambda: self.disaster.hotlines(turn),
            "status": lambda: self.disaster.status(turn),
            "checkin": lambda: self.checkins.answer(turn, action.get("a", ""), action.get("n", "")),
            "vote": lambda: self.polls.vote(turn, action.get("n", ""), action.get("o", "")),
        }
        handler = simple.get(name)
        return handler() if handler else [answers.not_understood(turn)]

    def text(self, turn: Turn) -> list[Reply]:
        text = turn.event.text.strip()
        command = self.texts.keyword(text)
        if command == "menu":
            return [self.answers.menu(turn)]
        if command == "help":
            return [Reply(self.texts(turn.language, "help"), self.answers.menu_choices(turn.language))]
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
            return [Reply(self.texts(turn.language, "not_understood"), self.answers.menu_choices(turn.language))]
        return self.answers.answer_question(turn, text)

    def skip(self, turn: Turn) -> list[Reply]:
        if turn.conversation.state in (CheckInState.LOCATION, CheckInState.TEXT):
            return self.checkins.skip(turn)
        if turn.conversation.state == "petition_location":
            return self.flows.petition_location(turn, None)
        if turn.conversation.state == "petition_photo":
            return self.flows.petition_photo(turn, None)
        return [self.answers.not_understood(turn)]

    def cancel(self, turn: Turn) -> list[Reply]:
        turn.conversation.data = {}
        turn.go("idle")
        return [Reply(self.texts(turn.language, "petition_cancelled"), self.answers.menu_choices(turn.language))]
