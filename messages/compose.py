"""The composer: a notice in, one LocalisedNotice (``messages.localised``) per language out.

Every sentence comes from the reviewed phrase bank; parameter values are written by the glossary and Babel.
The officer's free text, if any, arrives already localised (``messages.translate``), marked if machine-made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from messages.dates import format_datetime_for
from messages.formatting import ValueFormatter, format_list_for, format_number_for
from messages.glossary import WHOLE_CITY, Glossary
from messages.i18n import LANGUAGES, Catalogs, Language, PhraseCatalog, get_language
from messages.kinds import PLACEHOLDER, Kind, KindBook, ParamType, Severity
from messages.localised import FreeTextVersion, LocalisedNotice, PollChoices
from messages.models import MsgType, Notice, TranslationOrigin
from messages.params import InvalidParameters, ParamChecker, districts_of, parse_datetime, to_json
from messages.polls import PollSpec
from messages.refusal import Problem, Unreadable
from messages.text import TextRefused, clean_text

MAX_FREE_TEXT = 2000  # characters an officer may add to a notice's template text


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _fill(template: str, values: Mapping[str, str]) -> str:
    # Only {name} placeholders are replaced; any other brace a translator typed stays literal.
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


class Composer:
    def __init__(
        self, *, kinds: KindBook, catalogs: Catalogs, glossary: Glossary, public_base_url: str | None = None
    ) -> None:
        self.kinds = kinds
        self.catalogs = catalogs
        self.glossary = glossary
        self.checker = ParamChecker(kinds, glossary)
        self.formatter = ValueFormatter(catalogs, glossary)
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None

    # ----------------------------------------------------------------- notices

    def new_notice(
        self,
        kind_id: str,
        params: Mapping[str, Any],
        *,
        training: bool = False,
        free_text: str | None = None,
        free_text_lang: str = "zh-Hant",
        severity: str | None = None,
        effective: Any = None,
        expires: Any = None,
        author: str | None = None,
        now: datetime | None = None,
    ) -> Notice:
        """A validated, unsaved Notice. Raises UnknownKind or InvalidParameters naming every problem.

        With ``now`` (a notice about to be stored, not a preview), an expiry already past is refused too."""
        kind = self.kinds.get(kind_id)
        errors: dict[str, str] = {}
        typed: dict[str, Any] = {}
        try:
            typed = self.checker.check(kind, params)
        except InvalidParameters as exc:
            errors.update(exc.errors)
        if free_text is not None:
            try:
                free_text = clean_text("free_text", free_text, multiline=True, max_length=MAX_FREE_TEXT)
            except TextRefused as exc:
                errors["free_text"] = exc.reason
        if kind.free_text_only and not (free_text and free_text.strip()):
            errors.setdefault("free_text", Problem(f"{kind.id} is free text only: give the text", "free_text_needed"))
        if severity is not None and severity not in {s.value for s in Severity}:
            errors["severity"] = Problem(
                f"must be one of {', '.join(s.value for s in Severity)}", "not_a_choice", value=severity
            )
        times: dict[str, datetime | None] = {}
        for name, raw in (("effective", effective), ("expires", expires)):
            try:
                times[name] = parse_datetime(raw) if raw else None
            except Unreadable as exc:
                errors[name] = exc.problem
            except ValueError as exc:
                errors[name] = Problem(str(exc), "bad_time", value=str(raw))
        starts, ends = times.get("effective"), times.get("expires")
        if starts and ends and ends <= starts:
            errors["expires"] = Problem("must be later than effective", "expires_before_effective")
        elif now is not None and ends and ends <= now:
            errors["expires"] = Problem(
                "that time has passed: a notice cannot be issued already expired", "expired_already"
            )
        if errors:
            raise InvalidParameters(kind.id, errors)
        get_language(free_text_lang)
        topic = typed.get("topic", kind.topic.value) if kind.free_text_only else kind.topic.value
        return Notice(
            kind=kind.id,
            params=to_json(typed),
            districts=districts_of(kind, typed),
            topic=str(topic),
            severity=Severity(severity).value if severity else None,
            training=training,
            msg_type=MsgType.ALERT,
            free_text=free_text.strip() if free_text else None,
            free_text_lang=get_language(free_text_lang).code,
            effective=times["effective"],
            expires=times["expires"],
            author=author,
        )

    def warm_up(self, languages: Iterable[str] | None = None) -> None:
        """Read every catalog and Babel's locale data now, so the first real notice is not the slow one."""
        kind = next(k for k in self.kinds.kinds.values() if not k.free_text_only)
        notice = self.new_notice(kind.id, kind.example_params)
        for code in languages or LANGUAGES:
            self.catalogs.get(code, "glossary")
        self.compose_all(notice, languages)

    # ----------------------------------------------------------------- composing

    def compose(
        self, notice: Notice, lang: str, free_text: FreeTextVersion | None = None, *, poll: PollSpec | None = None
    ) -> LocalisedNotice:
        kind = self.kinds.get(notice.kind)
        typed = self.checker.check(kind, notice.params or {})
        return self._compose(kind, typed, notice, get_language(lang), free_text, poll)

    def compose_all(
        self,
        notice: Notice,
        langs: Iterable[str] | None = None,
        free_texts: Mapping[str, FreeTextVersion] | None = None,
        *,
        poll: PollSpec | None = None,
    ) -> dict[str, LocalisedNotice]:
        kind = self.kinds.get(notice.kind)
        typed = self.checker.check(kind, notice.params or {})
        free_texts = free_texts or {}
        result = {}
        for code in langs or LANGUAGES:
            language = get_language(code)
            result[language.code] = self._compose(kind, typed, notice, language, free_texts.get(language.code), poll)
        return result

    def _render_part(
        self,
        kind: Kind,
        part: str,
        typed: Mapping[str, Any],
        formatted: Mapping[str, str],
        catalog: PhraseCatalog,
        language: Language,
    ) -> str:
        sentences = []
        for segment in kind.phrases[part]:
            for seg in segment.choices:
                if seg.enum is not None:
                    assert seg.by is not None  # the loader pairs an enum sentence with the parameter choosing it
                    value = typed.get(seg.by)
                    if value is None:
                        continue
                    text = catalog.translate(f"enum.{seg.enum}.{value}", self.kinds.enums[seg.enum][value])
                else:
                    if any(name not in typed for name in seg.placeholders):
                        continue  # an optional parameter this sentence needs was not given
                    assert seg.text is not None  # a sentence is an enum sentence or a template
                    text = _fill(catalog.translate(seg.context, seg.text), formatted)
                sentences.append(_upper_first(text.strip()))
                break  # of alternatives, only the first that can be written
        return language.sentence_separator.join(sentences)

    def _fit_headline(
        self,
        kind: Kind,
        headline: str,
        typed: Mapping[str, Any],
        formatted: Mapping[str, str],
        catalog: PhraseCatalog,
        language: Language,
    ) -> str:
        """The headline, or, when it is over the language's budget, one that says how many districts, not which.

        A lock screen cuts a long headline off; the body and ``areas_text`` still list every district."""
        if len(headline) <= language.headline_budget:
            return headline
        counted = {
            name: self._common(catalog, "district_count", count=format_number_for(len(value), language, 0))
            for name, value in typed.items()
            if kind.params[name].type is ParamType.DISTRICTS and WHOLE_CITY not in value and len(value) > 1
        }
        if not counted:
            return headline
        return self._render_part(kind, "headline", typed, {**formatted, **counted}, catalog, language)

    def _common(self, catalog: PhraseCatalog, key: str, **values: str) -> str:
        return _fill(catalog.translate(f"common.{key}", self.kinds.common[key]), values)

    def _free_text_block(self, version: FreeTextVersion, catalog: PhraseCatalog) -> str:
        if version.text is not None:
            if version.machine_translated:
                return f"{version.text}\n({self._common(catalog, 'machine_translated')})"
            return version.text
        lines = []
        if version.original:
            lines.append(f"{self._common(catalog, 'original_text')} {version.original}")
        if version.english and version.english != version.original:
            lines.append(f"{self._common(catalog, 'english_text')} {version.english}")
        return "\n".join(lines)

    def _compose(
        self,
        kind: Kind,
        typed: Mapping[str, Any],
        notice: Notice,
        language: Language,
        free_text: FreeTextVersion | None,
        poll: PollSpec | None = None,
    ) -> LocalisedNotice:
        catalog = self.catalogs.get(language)
        whole_city = self._common(catalog, "whole_city")
        formatted = {
            name: self.formatter.format(
                kind.params[name], value, language, enums=self.kinds.enums, whole_city=whole_city
            )
            for name, value in typed.items()
        }
        headline = self._render_part(kind, "headline", typed, formatted, catalog, language)
        headline = self._fit_headline(kind, headline, typed, formatted, catalog, language)
        body = self._render_part(kind, "body", typed, formatted, catalog, language)
        instruction = self._render_part(kind, "instruction", typed, formatted, catalog, language)

        held = False
        machine = False
        if notice.free_text:
            if free_text is None and language.code == notice.free_text_lang:
                free_text = FreeTextVersion(language.code, notice.free_text, TranslationOrigin.SOURCE)
            if free_text is None or free_text.held:
                held = True  # nothing reviewed or machine-made to show yet in this language
            else:
                block = self._free_text_block(free_text, catalog)
                machine = free_text.machine_translated
                if kind.free_text_only:
                    first, _, rest = block.partition("\n")
                    headline, body = first.strip(), rest.strip()
                else:
                    body = f"{body}\n\n{block}" if body else block

        msg_type = MsgType(notice.msg_type or MsgType.ALERT)
        if msg_type is MsgType.UPDATE:
            headline = self._common(catalog, "update_headline", text=headline)
        elif msg_type is MsgType.CANCEL:
            headline = self._common(catalog, "cancel_headline", text=headline)
            body, instruction = self._common(catalog, "cancel_body"), ""
        # An officer's (or the source alert's) severity wins; else the kind's level decides; else its default.
        cap_level = kind.cap_for(typed)
        severity = Severity(notice.severity) if notice.severity else cap_level.severity
        severity_label = self._common(catalog, f"severity.{severity.value.lower()}")
        title_line = f"[{severity_label}] {headline}" if language.latin_names else f"【{severity_label}】{headline}"
        band_label, test_mark = severity_label, ""
        if notice.training:
            # The mark goes on last, so it comes first: before the severity label and any [UPDATE].
            headline, title_line, band_label = (
                self._common(catalog, "test_headline", text=text) for text in (headline, title_line, severity_label)
            )
            test_mark = self._common(catalog, "test_headline", text="").strip()
            body = f"{self._common(catalog, 'test_body')}\n{body}" if body else self._common(catalog, "test_body")

        agency_key = notice.agency or kind.agency
        districts = tuple(notice.districts or ["all"])
        area_names = tuple(self.formatter.district_names(list(districts), language, whole_city))
        link = page_link = None
        if self.public_base_url and notice.id is not None:
            page_link = f"{self.public_base_url}/n/{notice.id}"
            link = f"{page_link}?lang={language.code}"
        effective_text = format_datetime_for(notice.effective, language) if notice.effective else None
        expires_text = format_datetime_for(notice.expires, language) if notice.expires else None
        times = [
            self._common(catalog, key, time=text)
            for key, text in (("effective", effective_text), ("expires", expires_text))
            if text
        ]
        agency = self.glossary.name("agency", agency_key, language)
        return LocalisedNotice(
            notice_id=notice.id,
            identifier=notice.identifier or "",
            kind=kind.id,
            kind_title=catalog.translate(f"{kind.id}.title", kind.title),
            topic=notice.topic or kind.topic.value,
            language=language.code,
            headline=headline,
            body=body,
            instruction=instruction,
            districts=districts,
            area_names=area_names,
            areas_text=format_list_for(list(area_names), language),
            severity=severity,
            severity_label=severity_label,
            urgency=cap_level.urgency,
            certainty=cap_level.certainty,
            agency=agency,
            effective=notice.effective,
            expires=notice.expires,
            effective_text=effective_text,
            expires_text=expires_text,
            link=link,
            training=bool(notice.training),
            sandboxed=bool(notice.sandboxed),
            msg_type=msg_type.value,
            machine_translated=machine,
            held=held,
            title_line=title_line,
            band_label=band_label,
            test_mark=test_mark,
            times_text=" · ".join(times) or None,
            source_text=self._common(catalog, "source", agency=agency),
            more_info_text=self._common(catalog, "more_info", link=link) if link else None,
            link_label=self._common(catalog, "read_more"),
            page_link=page_link,
            other_languages_text=self._common(catalog, "other_languages", link=page_link) if page_link else None,
            checkin=(
                self._common(catalog, "checkin_prompt"),
                self._common(catalog, "checkin_safe"),
                self._common(catalog, "checkin_help"),
            )
            if notice.ask_checkin and msg_type is not MsgType.CANCEL
            else None,
            poll=self._poll_choices(poll, notice, catalog, language)
            if poll and msg_type is not MsgType.CANCEL
            else None,
        )

    def _poll_choices(self, poll: PollSpec, notice: Notice, catalog: PhraseCatalog, language: Language) -> PollChoices:
        """The options in the reader's language: a phrase-bank answer from the catalog; the officer's words as
        localised (reviewed or machine-made), else as written."""
        labels = []
        for option in poll.options:
            if option.phrase_key:
                labels.append(self._common(catalog, f"poll_option.{option.phrase_key}"))
            else:
                labels.append(option.labels.get(language.code) or option.text or "")
        closes = format_datetime_for(poll.closes_at, language)
        return PollChoices(
            self._common(catalog, "poll_prompt", time=closes),
            tuple(labels),
            self._common(catalog, "poll_vote_on_line", time=closes),
            self._common(catalog, "poll_vote_on_line_short", time=closes),
        )
