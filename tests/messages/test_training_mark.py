"""The training mark leads: a lock screen shows 【測試】 / [TEST] before any severity label, in every language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from messages.cap import CAP_NS, AlertHeader, build_alert, validate_cap
from messages.i18n import LANGUAGES
from messages.models import MsgType

ALL = list(LANGUAGES)


def tsunami(composer, *, training=True, msg_type=MsgType.ALERT):
    notice = composer.new_notice(
        "tsunami_warning", composer.kinds.get("tsunami_warning").example_params, training=training
    )
    notice.id, notice.msg_type = 9, msg_type
    return notice


@pytest.mark.parametrize("code", ALL)
def test_the_mark_comes_before_the_severity_label(composer, code):
    ln = composer.compose(tsunami(composer), code)
    mark = ln.test_mark
    assert mark and mark.strip() == mark
    for text in (ln.title_line, ln.headline, ln.band_label, ln.plain_text):
        assert text.startswith(mark), (code, text)
    # The Extreme label follows the mark: "【測試】【極度危險】…", never "【極度危險】【測試】…".
    assert 0 < ln.title_line.index(ln.severity_label) and ln.band_label.index(ln.severity_label) > 0
    assert ln.title_line.count(mark) == 1 and ln.plain_text.splitlines()[0] == ln.title_line
    assert ln.as_dict()["title"] == ln.title_line


@pytest.mark.parametrize("code", ALL)
def test_a_live_notice_has_no_mark(composer, code):
    live = composer.compose(tsunami(composer, training=False), code)
    training = composer.compose(tsunami(composer), code)
    assert live.test_mark == "" and training.test_mark not in live.title_line
    assert live.band_label == live.severity_label
    assert live.title_line.startswith(("[", "【")) and live.title_line.index(live.severity_label) == 1


@pytest.mark.parametrize("code", ALL)
def test_the_mark_leads_an_update_too(composer, code):
    ln = composer.compose(tsunami(composer, msg_type=MsgType.UPDATE), code)
    live_update = composer.compose(tsunami(composer, training=False, msg_type=MsgType.UPDATE), code)
    # The live update's headline starts with its update mark; in training that whole headline follows the label.
    update_headline = live_update.headline
    assert ln.title_line.startswith(ln.test_mark)
    assert (
        ln.title_line.index(ln.test_mark)
        < ln.title_line.index(ln.severity_label)
        < ln.title_line.index(update_headline)
    )


def test_every_cap_headline_of_a_training_notice_starts_with_the_mark(composer):
    localised = composer.compose_all(tsunami(composer), ALL)
    kind = composer.kinds.get("tsunami_warning")
    document = build_alert(
        AlertHeader("civicast-test-9", "kcg", datetime(2024, 4, 3, tzinfo=UTC), "Test", "Alert"),
        kind,
        localised.values(),
        composer.glossary,
    )
    assert not validate_cap(document)
    infos = etree.fromstring(document).findall(f"{{{CAP_NS}}}info")
    assert len(infos) == len(ALL)
    for info in infos:
        ln = localised[info.findtext(f"{{{CAP_NS}}}language")]
        assert info.findtext(f"{{{CAP_NS}}}headline").startswith(ln.test_mark)
