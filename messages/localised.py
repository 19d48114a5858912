"""What the composer hands on: a notice as residents read it in one language, and the officer's free text in one.

Channels, the CAP writer and the public pages read these; only ``messages.compose`` makes a LocalisedNotice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from messages.kinds import Severity
from messages.models import TranslationOrigin


@dataclass(frozen=True)
class FreeTextVersion:
    """The officer's free text as it will be shown in one language."""

    language: str
    text: str | None  # None when held for review or replaced by the fallback
    origin: TranslationOrigin | None = None
    held: bool = False  # the engine failed and the policy is "hold"
    original: str | None = None  # fallback policy: the officer's own text ...
    english: str | None = None  # ... and its English version, when one exists
    engine: str | None = None

    @property
    def machine_translated(self) -> bool:
        return self.origin is TranslationOrigin.MACHINE


@dataclass(frozen=True)
class LocalisedNotice:
    notice_id: int | None
    identifier: str
    kind: str
    kind_title: str
    topic: str
    language: str
    headline: str
    body: str
    instruction: str
    districts: tuple[str, ...]
    area_names: tuple[str, ...]
    areas_text: str  # area_names as a list in the language's own words
    severity: Severity
    severity_label: str
    agency: str
    effective: datetime | None
    expires: datetime | None
    effective_text: str | None
    expires_text: str | None
    link: str | None
    training: bool
    msg_type: str
    machine_translated: bool = False
    held: bool = False
    sandboxed: bool = False  # a test API key's notice: delivered to a simulated channel when civicast is live
    urgency: str = "Unknown"  # CAP urgency and certainty: the kind's defaults or its level's row
    certainty: str = "Unknown"
    # Ready-made lines in the notice's language, so channels need no catalogs. On a training notice the training
    # mark leads each of them: a lock screen shows "[TEST]" before any severity label.
    title_line: str = ""  # severity label and headline: "[Severe] Typhoon …" / "【測試】【危險】…"
    band_label: str = ""  # the severity label, after the training mark if any: what a coloured band shows
    test_mark: str = ""  # the training mark that leads headline and title_line ("[TEST]"), "" for a live notice
    times_text: str | None = None  # "From … · Until …"
    source_text: str = ""  # "Source: Central Weather Administration"
    more_info_text: str | None = None  # "More information: <link>"
    link_label: str = ""  # the short label of a button that opens the link
    page_link: str | None = None  # the notice's page with its language switcher
    other_languages_text: str | None = None  # "This notice in other languages: <page_link>"
    checkin: tuple[str, str, str] | None = None  # asking recipients to check in: question, "I'm safe", "Need help"
    poll: PollChoices | None = None  # a poll's options, answered with a tap

    @property
    def plain_text(self) -> str:
        """The notice as plain text: what a text message, a crawl or a terminal shows."""
        lines = [self.title_line, *(part for part in (self.body, self.instruction) if part)]
        lines += [line for line in (self.times_text, self.source_text, self.more_info_text) if line]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title_line,
            "headline": self.headline,
            "body": self.body,
            "instruction": self.instruction,
            "areas": list(self.area_names),
            "severity": self.severity.value,
            "severity_label": self.severity_label,
            "agency": self.agency,
            "effective": self.effective_text,
            "expires": self.expires_text,
            "link": self.link,
            "training": self.training,
            "machine_translated": self.machine_translated,
            "held": self.held,
        }


@dataclass(frozen=True)
class PollChoices:
    """A poll's prompt ("Tap an answer below … until <time>") and its options' labels, option 1 first."""

    prompt: str
    options: tuple[str, ...]
    # How to vote where a tap cannot answer (a Facebook post, a cable crawl): on the city's LINE account.
    vote_on_line: str = ""
    vote_on_line_short: str = ""  # the same for a crawl line, which is cut short

    def numbered(self, separator: str = "\n") -> str:
        """The options with their numbers: "1. Yes", "2. No"."""
        return separator.join(f"{number}. {label}" for number, label in enumerate(self.options, 1))
