"""The step-by-step parts of the dialogue: language, topics and districts; a petition's questions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.conversation.models import Conversation
from bot.conversation.petitions import PETITION_CATEGORIES, open_numbered_case
from bot.conversation.replies import Choice, Incoming, Reply
from messages.formatting import format_list_for
from messages.glossary import WHOLE_CITY, UnknownTerm
from messages.i18n import LANGUAGES
from messages.kinds import Topic
from scheduler.audience import ALL_TOPICS, TOPIC_BITS, Subscriber, district_bit

if TYPE_CHECKING:
    from bot.conversation.engine import ConversationEngine

PAGE_SIZE = 10  # districts per page: with More, Back and Whole city, within LINE's 13 quick replies
MIN_DESCRIPTION = 8  # characters: "blocked drain" is enough, "help" is not


@dataclass
class Turn:
    """One event being handled: the session, the resident, their dialogue and language."""

    session: Session
    event: Incoming
    conversation: Conversation
    resident: Subscriber | None
    language: str
    now: datetime

    def go(self, state: str, **data: object) -> None:
        self.conversation.state = state
        self.conversation.data = {**(self.conversation.data or {}), **data}


class Flows:
    def __init__(self, engine: ConversationEngine) -> None:
        self.engine = engine
        self.t = engine.texts
        self.glossary = engine.glossary

    # ------------------------------------------------------------------ labels

    def district_label(self, key: str, language: str) -> str:
        name = self.glossary.name("district", key, language)
        if len(name) > 20 and "(" in name:  # "เขตซานหมิน (Sanmin)": the part before the Latin name
            name = name.split("(")[0].strip()
        return name[:20]

    def district_names(self, resident: Subscriber, language: str) -> str:
        if resident.whole_city:
            return self.t(language, "label.whole_city")
        keys = [
            t.key for t in self.glossary.terms("district") if resident.districts & district_bit(self.glossary, t.key)
        ]
        return format_list_for([self.glossary.name("district", k, language) for k in keys], LANGUAGES[language])

    def topic_names(self, resident: Subscriber, language: str) -> str:
        names = [
            self.t(language, f"label.topic.{topic.value}") for topic in Topic if resident.topics & TOPIC_BITS[topic]
        ]
        return format_list_for(names, LANGUAGES[language])

    # ------------------------------------------------------------------ language, topics, districts

    def language_prompt(self, turn: Turn, *, onboarding: bool) -> Reply:
        turn.go("choosing_language", onboarding=onboarding)
        choices = tuple(Choice.of(lang.native_name, "lang", code=code) for code, lang in LANGUAGES.items())
        return Reply(self.t(turn.language, "choose_language"), choices)

    def set_language(self, turn: Turn, code: str) -> list[Reply]:
        if code not in LANGUAGES or turn.resident is None:
            return [self.engine.answers.not_understood(turn)]
        turn.resident.language = code
        turn.language = code
        confirmation = self.t(code, "language_set", language=LANGUAGES[code].native_name)
        if (turn.conversation.data or {}).get("onboarding"):
            return [Reply(confirmation), self.topics_prompt(turn, onboarding=True)]
        turn.go("idle")
        return [Reply(confirmation, self.engine.answers.menu_choices(code))]

    def topics_prompt(self, turn: Turn, *, onboarding: bool) -> Reply:
        turn.go("choosing_topics", onboarding=onboarding)
        resident = turn.resident
        assert resident is not None
        choices = [Choice.of(self.t(turn.language, "label.all_topics"), "all_topics")]
        for topic in Topic:
            mark = "✓ " if resident.topics & TOPIC_BITS[topic] else ""
            choices.append(
                Choice.of(mark + self.t(turn.language, f"label.topic.{topic.value}"), "topic", t=topic.value)
            )
        choices.append(Choice.of(self.t(turn.language, "label.done"), "topics_done"))
        if onboarding:
            choices.append(Choice.of(self.t(turn.language, "label.language"), "settings_language"))
        if resident.topics:
            now = self.t(turn.language, "topics_now", topics=self.topic_names(resident, turn.language))
        else:
            now = self.t(turn.language, "no_topics")
        return Reply(f"{self.t(turn.language, 'choose_topics')}\n{now}", tuple(choices))

    def toggle_topic(self, turn: Turn, topic: str) -> list[Reply]:
        if turn.resident is None or topic not in {t.value for t in Topic}:
            return [self.engine.answers.not_understood(turn)]
        turn.resident.topics ^= TOPIC_BITS[Topic(topic)]
        return [self.topics_prompt(turn, onboarding=bool((turn.conversation.data or {}).get("onboarding")))]

    def topics_done(self, turn: Turn, *, all_topics: bool = False) -> list[Reply]:
        resident = turn.resident
        if resident is None:
            return [self.engine.answers.not_understood(turn)]
        if all_topics:
            resident.topics = ALL_TOPICS
        if not resident.topics:
            return [
                Reply(self.t(turn.language, "no_topics")),
                self.topics_prompt(turn, onboarding=bool((turn.conversation.data or {}).get("onboarding"))),
            ]
        if (turn.conversation.data or {}).get("onboarding"):
            return [self.districts_prompt(turn, purpose="settings", page=0)]
        turn.go("idle")
        return [
            Reply(
                self.t(turn.language, "topics_now", topics=self.topic_names(resident, turn.language)),
                self.engine.answers.menu_choices(turn.language),
            )
        ]

    def districts_prompt(self, turn: Turn, *, purpose: str, page: int) -> Reply:
        """Districts a page at a time: all 38 reachable within LINE's 13 quick replies."""
        keys = [t.key for t in self.glossary.terms("district")]
        pages = (len(keys) + PAGE_SIZE - 1) // PAGE_SIZE
        page = max(0, min(page, pages - 1))
        state = "choosing_districts" if purpose == "settings" else "petition_district"
        turn.go(state, page=page)
        action = "district" if purpose == "settings" else "pdistrict"
        choices = [
            Choice.of(self.district_label(k, turn.language), action, d=k)
            for k in keys[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        ]
        if page + 1 < pages:
            choices.append(Choice.of(self.t(turn.language, "label.more"), "page", p=str(page + 1)))
        if page > 0:
            choices.append(Choice.of(self.t(turn.language, "label.back"), "page", p=str(page - 1)))
        if purpose == "settings":
            choices.append(Choice.of(self.t(turn.language, "label.whole_city"), "district", d=WHOLE_CITY))
        key = "choose_districts" if purpose == "settings" else "petition_district"
        return Reply(self.t(turn.language, key), tuple(choices))

    def resolve_districts(self, text: str) -> list[str]:
        """District keys from what a resident typed ("三民區", "Sanmin, Lingya", "quận Tam Dân")."""
        try:
            return self.glossary.resolve_districts(
                [part for part in text.replace("、", ",").split(",") if part.strip()]
            )
        except UnknownTerm:
            return []

    def set_districts(self, turn: Turn, keys: list[str]) -> list[Reply]:
        resident = turn.resident
        if resident is None or not keys:
            return [self.engine.answers.not_understood(turn)]
        if WHOLE_CITY in keys:
            resident.whole_city, resident.districts = True, 0
        else:
            resident.whole_city = False
            resident.districts = sum(district_bit(self.glossary, k) for k in keys)
        onboarding = bool((turn.conversation.data or {}).get("onboarding"))
        turn.go("idle", onboarding=False)
        replies = [
            Reply(self.t(turn.language, "districts_set", districts=self.district_names(resident, turn.language)))
        ]
        if onboarding:
            replies.append(
                Reply(self.t(turn.language, "onboarding_done"), self.engine.answers.menu_choices(turn.language))
            )
        else:
            replies[-1] = Reply(replies[-1].text, self.engine.answers.menu_choices(turn.language))
        return replies

    # ------------------------------------------------------------------ petitions

    def petition_start(self, turn: Turn) -> Reply:
        turn.conversation.data = {}
        turn.go("petition_category")
        choices = tuple(
            Choice.of(self.t(turn.language, f"label.category.{c}"), "cat", c=c) for c in PETITION_CATEGORIES
        )
        return Reply(self.t(turn.language, "petition_category"), choices)

    def petition_category(self, turn: Turn, category: str) -> list[Reply]:
        if category not in PETITION_CATEGORIES:
            return [self.petition_start(turn)]
        turn.go("petition_district", category=category)
        return [self.districts_prompt(turn, purpose="petition", page=0)]

    def petition_district(self, turn: Turn, key: str) -> list[Reply]:
        if key not in {t.key for t in self.glossary.terms("district")}:
            return [
                Reply(self.t(turn.language, "district_unknown", text=key)),
                self.districts_prompt(turn, purpose="petition", page=0),
            ]
        turn.go("petition_description", district=key)
        return [Reply(self.t(turn.language, "petition_description"))]

    def petition_description(self, turn: Turn, text: str) -> list[Reply]:
        if len(text.strip()) < MIN_DESCRIPTION:
            return [Reply(self.t(turn.language, "description_too_short"))]
        turn.go("petition_location", description=text.strip()[:2000])
        return [
            Reply(self.t(turn.language, "petition_location"), (Choice.of(self.t(turn.language, "label.skip"), "skip"),))
        ]

    def petition_location(self, turn: Turn, location: str | None) -> list[Reply]:
        turn.go("petition_photo", location=location)
        return [
            Reply(self.t(turn.language, "petition_photo"), (Choice.of(self.t(turn.language, "label.skip"), "skip"),))
        ]

    def petition_photo(self, turn: Turn, photo: str | None) -> list[Reply]:
        turn.go("petition_confirm", photo=photo)
        data = turn.conversation.data or {}
        lang = turn.language
        lines = [
            self.t(lang, "petition_confirm"),
            self.t(lang, "field_category", category=self.t(lang, f"label.category.{data['category']}")),
            self.t(lang, "field_district", district=self.glossary.name("district", data["district"], lang)),
            self.t(lang, "field_description", description=str(data["description"])),
        ]
        if data.get("location"):
            lines.append(self.t(lang, "field_location", location=str(data["location"])))
        if photo:
            lines.append(self.t(lang, "field_photo"))
        return [
            Reply(
                "\n".join(lines),
                (Choice.of(self.t(lang, "label.send"), "send"), Choice.of(self.t(lang, "label.cancel"), "cancel")),
            )
        ]

    def petition_send(self, turn: Turn) -> list[Reply]:
        data = turn.conversation.data or {}
        if turn.conversation.state != "petition_confirm":
            return [self.engine.answers.not_understood(turn)]
        case = open_numbered_case(
            turn.session,
            channel=turn.event.channel,
            user_id=turn.event.user_id,
            language=turn.language,
            category=str(data["category"]),
            district=str(data["district"]),
            description=str(data["description"]),
            location=data.get("location"),
            photo=data.get("photo"),
            now=turn.now,
            rules=self.engine.petition_rules,
        )
        turn.conversation.data = {}
        turn.go("idle")
        return [
            Reply(
                self.t(turn.language, "petition_received", number=case.number),
                self.engine.answers.menu_choices(turn.language),
            )
        ]
