"""Cable-TV slides: a long evacuation order in all 12 languages fits the title-safe area with no tofu, and Thai,
Khmer and Burmese lines break between words, as ICU finds them."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import icu
import pytest
from PIL import Image

from channels.cable_slides import SIZES, Box, render_slide, safe_area, wrap
from channels.fonts import missing
from messages.i18n import LANGUAGES
from tests.support.factories import localised

OUTPUT_DIR = Path(os.environ.get("CIVICAST_TEST_OUTPUT", Path(__file__).resolve().parents[2] / "test-output"))
LONG_EVACUATION = {
    "districts": ["taoyuan", "namasia", "maolin", "liugui", "jiaxian", "shanlin", "meinong", "qishan", "neimen"],
    "villages": ["桃源區勤和里", "復興里", "拉芙蘭里", "梅山里", "寶山里", "建山里", "高中里", "桃源里"],
    "deadline": "2024-08-21T18:00",
    "shelter": "桃源國中|Taoyuan Junior High School",
}


@pytest.fixture(scope="module")
def slides(kinds, catalogs, glossary):
    from messages.compose import Composer

    composer = Composer(kinds=kinds, catalogs=catalogs, glossary=glossary, public_base_url="https://notices.example.tw")
    rendered = {}
    started = time.perf_counter()
    for code in LANGUAGES:
        notice = localised(composer, "evacuation_order", code, notice_id=16, **LONG_EVACUATION)
        rendered[code] = (notice, render_slide(notice, 1920))
    rendered["_seconds"] = (time.perf_counter() - started) / len(LANGUAGES)
    return rendered


def test_every_language_fits_the_title_safe_area(slides):
    for code in LANGUAGES:
        notice, slide = slides[code]
        assert slide.safe_area == Box(96, 54, 1824, 1026)
        assert slide.runs and not slide.ellipsised, code
        for run in slide.runs:
            assert run.box.within(slide.safe_area), (code, run)
        assert slide.qr is not None and slide.qr.within(slide.safe_area)
        drawn = "".join(run.text for run in slide.runs)
        assert notice.headline.split()[-1][-3:] in drawn, code  # the headline's end is on the slide


def test_every_glyph_exists_in_the_font_it_is_drawn_in(slides):
    for code in LANGUAGES:
        _notice, slide = slides[code]
        for run in slide.runs:
            assert not missing(run.text, run.family, bold=run.bold), (code, run.family, run.text)


def test_the_twelve_slides_are_saved_as_full_hd_pngs(slides):
    folder = OUTPUT_DIR / "cable_slides"
    folder.mkdir(parents=True, exist_ok=True)
    for code in LANGUAGES:
        _notice, slide = slides[code]
        image = Image.open(io.BytesIO(slide.png))
        assert image.format == "PNG" and image.size == SIZES[1920]
        (folder / f"evacuation_order-{code}-1920.png").write_bytes(slide.png)
    print(f"render time per 1920×1080 slide: {slides['_seconds'] * 1000:.0f} ms")


def icu_word_boundaries(text: str, language: str) -> set[int]:
    """Where ICU's own word and line iterators say a word may end (BMP text: UTF-16 offsets are code points)."""
    assert all(ord(ch) <= 0xFFFF for ch in text)
    found: set[int] = set()
    for make in (icu.BreakIterator.createWordInstance, icu.BreakIterator.createLineInstance):
        iterator = make(icu.Locale.forLanguageTag(language))
        iterator.setText(text)
        found |= {iterator.first(), *iterator}
    return found


def line_breaks(text: str, lines: list[str] | tuple[str, ...]) -> list[int]:
    """The offsets in ``text`` where a line ends or the next begins (only spaces are dropped between them)."""
    offsets, at = [], 0
    for line in lines:
        start = text.index(line, at)
        assert not text[at:start].strip(), (text, lines)
        at = start + len(line)
        offsets += [start, at]
    assert not text[at:].strip(), (text, lines)
    return [offset for offset in offsets if 0 < offset < len(text)]


SENTENCES = {
    "th": "ให้อพยพออกจากพื้นที่ทันทีและไปยังศูนย์พักพิงที่ใกล้ที่สุดตามคำแนะนำของเจ้าหน้าที่",
    "km": "សូមចាកចេញឥឡូវនេះហើយយកអត្តសញ្ញាណប័ណ្ណថ្នាំនិងទូរស័ព្ទទៅជាមួយទៅកាន់ទីជម្រកដែលនៅជិតបំផុត",
    "my": "ယခုပင်ထွက်ခွာပြီးအနီးဆုံးခိုလှုံရာစခန်းသို့သွားကာတာဝန်ရှိသူများ၏ညွှန်ကြားချက်ကိုလိုက်နာပါ",
}


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_a_sentence_without_spaces_breaks_only_between_words(language):
    sentence = SENTENCES[language]
    words = icu_word_boundaries(sentence, language)
    for width in range(400, 1240, 40):  # wider than its widest word (Burmese: about 400 px at 40 px)
        lines = wrap(sentence, language, size=40, bold=False, width=width)
        assert len(lines) > 1 and "".join(lines) == sentence
        for offset in line_breaks(sentence, lines):
            assert offset in words, (language, width, sentence[:offset][-8:], sentence[offset:][:8])


@pytest.mark.parametrize("language", ["th", "km", "my"])
def test_the_fitted_slide_breaks_its_lines_only_between_words(slides, language):
    notice, _slide = slides[language]
    # What to do, opening with a long sentence without spaces: the slide's width, not a space, decides its breaks.
    notice = type(notice)(**{**notice.__dict__, "instruction": f"{SENTENCES[language]} {notice.instruction}"})
    slide = render_slide(notice, 1280)
    texts = [notice.band_label or notice.severity_label, notice.headline, notice.instruction]
    texts += [text for text in (notice.areas_text, notice.times_text) if text]
    assert len(slide.lines) == len(texts) and not slide.ellipsised
    broken = 0
    for text, lines in zip(texts, slide.lines, strict=True):
        words = icu_word_boundaries(text, language)
        for offset in line_breaks(text, lines):
            assert offset in words, (language, text[:offset][-8:], text[offset:][:8])
            broken += 1
    assert broken >= 4, slide.lines  # the instruction and the areas take several lines


def test_a_word_wider_than_a_line_alone_is_broken_between_grapheme_clusters_and_still_fits(composer):
    word = "Taoyuanjuniorhighschoolevacuationshelterandnamasiadistrictoffice" * 2
    iterator = icu.BreakIterator.createLineInstance(icu.Locale("th"))
    iterator.setText(word)
    assert [iterator.first(), *iterator] == [0, len(word)]  # ICU finds nowhere to break it
    lines = wrap(word, "th", size=40, bold=False, width=300)
    assert len(lines) > 2 and "".join(lines) == word
    notice = localised(composer, "evacuation_order", "th", notice_id=19)
    slide = render_slide(type(notice)(**{**notice.__dict__, "headline": f"อพยพทันที {word}"}), 1280)
    assert slide.lines[1][0] == "อพยพทันที" and "".join(slide.lines[1][1:]) == word
    assert all(run.box.within(slide.safe_area) for run in slide.runs)


def test_no_mark_leads_a_line_of_thai():
    thai = SENTENCES["th"]
    lines = wrap(thai, "th", size=40, bold=False, width=300)
    assert len(lines) > 1 and "".join(lines) == thai
    for line in lines[1:]:
        assert not ("\u0e31" <= line[0] <= "\u0e3a" or "\u0e47" <= line[0] <= "\u0e4e")  # no mark leads a line


def test_a_training_slide_carries_the_training_mark(composer):
    notice = localised(composer, "evacuation_order", "zh-Hant", notice_id=17)
    notice = type(notice)(
        **{**notice.__dict__, "training": True, "test_mark": "【演練】", "band_label": "【演練】【危險】"}
    )
    slide = render_slide(notice, 1280)
    assert slide.safe_area == safe_area(1280, 720)
    assert any("演練" in run.text for run in slide.runs)
    image = Image.open(io.BytesIO(slide.png)).convert("RGB")
    assert image.getpixel((2, 700)) == (0x5B, 0x21, 0xB6)  # the training frame


def test_text_that_cannot_fit_is_cut_with_an_ellipsis_and_flagged(composer):
    notice = localised(composer, "evacuation_order", "en", notice_id=18)
    endless = " ".join(["Leave now and take your ID, medicines, phone and charger."] * 40)
    slide = render_slide(type(notice)(**{**notice.__dict__, "instruction": endless}), 1280)
    assert slide.ellipsised
    assert any(run.text.endswith("…") for run in slide.runs)
    assert all(run.box.within(slide.safe_area) for run in slide.runs)
    assert not render_slide(notice, 1280).ellipsised
