"""One language at a time: every console page, with one of everything seeded, shows the console's own words in the
officer's chosen language only. The English console shows no Han characters and the Traditional Chinese console no
English sentence, once the content (the notice's own words, what officers and residents typed, marked
``data-content`` or in their own ``lang``) is taken out."""

from __future__ import annotations

import pytest

from tests.support.console_pages import Officer, html
from tests.support.console_stack import ConsoleStack
from tests.support.language_site import HAN_RUN, build_site, chrome_text, english_runs, pages


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    stack = ConsoleStack(tmp_path_factory.mktemp("language"), f"sqlite:///{tmp_path_factory.mktemp('db')}/c.db")
    try:
        yield stack, build_site(stack)
    finally:
        stack.close()


def _walk(site, ui_lang):
    stack, ids = site
    officer = Officer(stack.app, "ad-wu", ui_lang)
    for path in pages(ids):
        response = officer.get(path)
        assert response.status_code == (404 if path.endswith("999999") else 200), path
        yield path, chrome_text(response.get_data(as_text=True), ui_lang)


def test_the_english_console_shows_no_han_characters_outside_content(site):
    found = []
    for path, shown in _walk(site, "en"):
        for run in sorted({match.group() for match in HAN_RUN.finditer(shown)})[:3]:
            at = shown.index(run)
            found.append(f"{path}: {run!r} in …{shown[max(0, at - 40) : at + len(run) + 20]}…")
    assert found == [], "\n".join(found)


def test_the_chinese_console_shows_no_english_sentences_outside_content(site):
    found = sorted({f"{path}: {run}" for path, shown in _walk(site, "zh-Hant") for run in english_runs(shown)})
    assert found == [], "\n".join(found)


def test_the_audit_log_and_a_notices_history_are_judged_not_set_aside_as_content(site):
    """What a row says is the console's words (only an officer's typed parts are content), so the walks above judge
    the audit page's summaries and each notice's history too."""
    stack, ids = site
    officer = Officer(stack.app, "ad-wu", "zh-Hant")
    audit = html(officer.get("/console/audit"))
    summaries = audit.xpath("//table[@class='data']//td[6]")
    assert summaries and not [cell for cell in summaries if cell.get("data-content") is not None or cell.get("lang")]
    assert "退回原因" in " ".join(
        cell.text_content() for cell in html(officer.get("/console/audit?action=reject")).xpath("//td[6]")
    )
    history = html(officer.get(f"/console/notices/{ids['sent']}")).xpath("//li[time]")
    assert history and all(not li.xpath(".//*[@data-content or @lang]") for li in history), "nothing typed in them"
    assert "筆發送" in " ".join(li.text_content() for li in history)


def test_the_heuristics_find_what_they_are_meant_to_find():
    assert english_runs("第 3 號訊息 Not done: approve it first") == ["Not done approve it first"]
    assert english_runs("經由 LINE Official Account Manager 提高上限 https://example.org/a/b ABC123") == []
    assert (
        chrome_text(
            '<html lang="en"><p>Notice <span data-content>颱風</span> <i lang="zh-Hant">高雄</i></p></html>', "en"
        )
        == "Notice"
    )
    assert HAN_RUN.search(chrome_text('<html lang="en"><p>Notice 高雄</p></html>', "en"))
