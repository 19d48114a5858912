"""Line-break opportunities from ICU: between the words of scripts written without spaces, at code-point offsets."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from channels.line_breaks import line_boundaries, line_break_units


def test_thai_khmer_and_burmese_are_cut_between_their_words():
    assert line_break_units("ให้อพยพออกจากพื้นที่ทันที", "th") == ("ให้", "อพยพ", "ออก", "จาก", "พื้นที่", "ทันที")
    assert line_break_units("សូមចាកចេញឥឡូវនេះ", "km") == ("សូម", "ចាកចេញ", "ឥឡូវនេះ")
    assert line_break_units("ယခုပင်ထွက်ခွာပါ", "my") == ("ယခု", "ပင်", "ထွက်", "ခွာ", "ပါ")


def test_spaced_text_keeps_each_space_with_the_word_before_it():
    assert line_break_units("Leave now, go to 桃源國中", "en") == (
        "Leave ",
        "now, ",
        "go ",
        "to ",
        "桃",
        "源",
        "國",
        "中",
    )
    assert line_break_units("", "th") == ()


def test_characters_outside_the_bmp_do_not_move_a_break():
    # ICU counts UTF-16 code units: each of these ideographs is two of them and one Python character.
    assert line_break_units("𩸽𩸽 ok", "ja") == ("𩸽", "𩸽 ", "ok")
    typhoon, enters = "ไต้ฝุ่น", "เข้า"
    assert line_boundaries(f"🌀 {typhoon}{enters}", "th") == (0, 2, 2 + len(typhoon), 2 + len(typhoon) + len(enters))


def test_threads_breaking_different_texts_at_once_each_get_their_own_answer():
    texts = [("ให้อพยพออกจากพื้นที่ทันที", "th"), ("សូមចាកចេញឥឡូវនេះ", "km"), ("ယခုပင်ထွက်ခွာပါ", "my")] * 40
    alone = [line_boundaries(text, language) for text, language in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda item: line_boundaries(*item), texts))
    assert together == alone
