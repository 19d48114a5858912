"""The main menu's answers: the menu and settings, questions (the FAQ, and what is in effect now), the latest
alerts, the resident's cases, the question before deleting their data; and what a resident is told when an
officer changes their case, with its satisfaction survey."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.conversation.case_texts import agency_names, case_lines, day
from bot.conversation.flows import Turn
from bot.conversation.live import covers, live_text, live_topic
from bot.conversation.petitions import CaseChange, cases_of, record_satisfaction
from bot.conversation.replies import Choice, Reply
from messages.i18n import DEFAULT_LANGUAGE, LANGUAGES
from messages.notices import active_notices, free_text_versions
from scheduler.audience import TOPIC_BITS

if TYPE_CHECKING:
    from bot.conversation.engine import ConversationEngine

MAX_LATEST = 5


class Answers:
    def __init__(self, engine: ConversationEngine) -> None:
        self.texts = engine.texts
        self.glossary = engine.glossary
        self.composer = engine.composer
        self.faq = engine.faq

    # ------------------------------------------------------------------ menu, settings, questions

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
        agencies = agency_names(turn.session, lang)
        blocks = ["\n".join(case_lines(self.texts, case, lang, agencies)) for case in cases]
        text = "\n\n".join([self.texts(lang, "cases_header"), *blocks])
        return [Reply(text[:4900], self.menu_choices(lang))]

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
        if change.agency_name and change.due_on:
            text = self.texts(
                lang,
                "case_transferred" if change.transferred else "case_agency",
                number=change.number,
                agency=change.agency_name,
                due=day(change.due_on, lang),
            )
        else:
            status = self.texts(lang, f"status.{change.status}")
            text = self.texts(lang, "case_update", number=change.number, status=status)
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
