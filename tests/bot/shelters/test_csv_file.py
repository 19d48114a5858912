"""Reading the national evacuation-shelter list: each bad row reported by its line, the file refused as a whole only
when it is not the list (missing, not UTF-8, another header)."""

from __future__ import annotations

import pytest

from bot.shelters.csv_file import COLUMNS, RowChecker, ShelterFileError, read_shelter_file
from messages.cap_geography import default_places
from tests.support.shelters import LIST_FILE, list_rows, write_list


@pytest.fixture(scope="module")
def checker(glossary):
    return RowChecker(glossary, default_places())


def test_the_test_file_is_in_the_published_shape():
    raw = LIST_FILE.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf\xe5\xba\x8f\xe8\x99\x9f,")  # BOM, then 序號
    assert b'"\xe6\xb0\xb4\xe7\x81\xbd,' in raw  # a quoted multi-value cell: "水災,...
    assert raw.count(b"\r\n") == len(list_rows()) + 1


def test_good_rows_are_read_with_their_districts_types_and_capacity(checker):
    read = read_shelter_file(LIST_FILE, checker)
    by_name = {row.name: row for row in read.rows}
    assert sorted(by_name) == sorted(["旗山國小", "三民區民眾活動中心", "三民國中", "旗津國中", "前鎮高中", "林園國小"])
    qishan = by_name["旗山國小"]
    assert (qishan.line, qishan.district, qishan.town, qishan.county) == (2, "qishan", "旗山區", "高雄市")
    assert (qishan.lat, qishan.lon, qishan.capacity) == (22.888, 120.483, 300)
    assert qishan.hazards == ["flood", "earthquake", "debris_flow"]
    assert (qishan.indoor, qishan.outdoor, qishan.vulnerable_ok) == (True, False, True)
    assert (qishan.manager_name, qishan.manager_phone) == ("王小明", "07-6612345")
    assert by_name["三民區民眾活動中心"].address == "高雄市三民區建興路128號,1樓"  # a quoted comma is not a column
    assert by_name["林園國小"].hazards == ["flood", "nuclear"] and by_name["林園國小"].capacity is None
    assert by_name["旗津國中"].hazards == ["flood", "tsunami"]


def test_each_bad_row_is_reported_with_its_line_and_reason(checker):
    problems = {p.line: p for p in read_shelter_file(LIST_FILE, checker).problems}
    assert sorted(problems) == [5, 6, 7, 8, 9, 10]
    assert problems[5].refused and "swapped" in problems[5].reason and "苓雅區公所禮堂" in problems[5].reason
    assert problems[6].refused and "no coordinates" in problems[6].reason
    assert problems[7].other_county == "臺南市" and "臺南市永康區 is not in Kaohsiung" in problems[7].reason
    assert not problems[8].refused and "風災" in problems[8].reason  # imported, without the unknown type
    assert not problems[9].refused and "999999 is not plausible" in problems[9].reason
    assert problems[10].refused and "outside Kaohsiung" in problems[10].reason
    assert str(problems[5]).startswith("line 5: refused: ")
    assert str(problems[7]).startswith("line 7: skipped: ")
    assert str(problems[9]).startswith("line 9: imported: ")


def _row(**cells: str) -> list[str]:
    row = dict(zip(COLUMNS, list_rows()[0], strict=True))  # 旗山國小, a good row
    row.update(cells)
    return [row[column] for column in COLUMNS]


@pytest.mark.parametrize(
    ("cells", "reason", "refused"),
    [
        ({"經度": ""}, "經度 (longitude) is empty", True),
        ({"緯度": "北緯22度"}, "緯度 '北緯22度' is not a number", True),
        ({"經度": "0", "緯度": "0"}, "outside Kaohsiung", True),
        ({"縣市及鄉鎮市區": "高雄市不存在區"}, "names no Kaohsiung district", True),
        ({"避難收容處所名稱": ""}, "no shelter name", True),
        ({"預計收容人數": "0"}, "預計收容人數 0 is not plausible", False),
        ({"預計收容人數": "約百人"}, "is not a number: imported without a capacity", False),
        # 三民區's coordinates written for a 旗山區 shelter: inside the city, but far from its district.
        ({"經度": "120.3179", "緯度": "22.6499"}, "from 旗山區's centre and nearer 三民區's", False),
    ],
)
def test_row_faults(tmp_path, checker, cells, reason, refused):
    read = read_shelter_file(write_list(tmp_path / "list.csv", [_row(**cells)]), checker)
    assert [(p.line, p.refused) for p in read.problems] == [(2, refused)]
    assert reason in read.problems[0].reason
    assert len(read.rows) == (0 if refused else 1)


def test_a_row_with_too_few_fields_is_refused(tmp_path, checker):
    read = read_shelter_file(write_list(tmp_path / "list.csv", [_row(), _row()[:14]]), checker)
    assert [(p.line, p.reason) for p in read.problems] == [(3, "14 fields, expected 15")]


def test_line_numbers_count_lines_a_quoted_cell_spans(tmp_path, checker):
    rows = [_row(預計收容村里="中正里,\n湄洲里"), _row(避難收容處所名稱="旗山國中", 經度="")]
    read = read_shelter_file(write_list(tmp_path / "list.csv", rows), checker)
    assert [p.line for p in read.problems] == [4]


def test_a_file_without_a_bom_is_read_too(tmp_path, checker):
    path = write_list(tmp_path / "list.csv", [_row()])
    path.write_bytes(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    assert [row.name for row in read_shelter_file(path, checker).rows] == ["旗山國小"]


def test_missing_file(tmp_path, checker):
    with pytest.raises(ShelterFileError, match="no such file"):
        read_shelter_file(tmp_path / "nowhere.csv", checker)


def test_a_big5_file_is_refused_as_a_whole(tmp_path, checker):
    path = tmp_path / "big5.csv"
    path.write_bytes((",".join(COLUMNS) + "\r\n").encode("big5") + b"1,\xb0\xaa\xb6\xaf\xa5\xab\r\n")
    with pytest.raises(ShelterFileError, match="not UTF-8"):
        read_shelter_file(path, checker)


def test_a_file_not_utf8_after_its_first_rows_is_refused_as_a_whole(tmp_path, checker):
    path = write_list(tmp_path / "list.csv", [_row()] * 3)
    path.write_bytes(path.read_bytes() + "2,高雄市旗山區".encode("big5", errors="replace") + b"\r\n")
    with pytest.raises(ShelterFileError, match="not UTF-8"):
        read_shelter_file(path, checker)


@pytest.mark.parametrize(
    ("header", "says"),
    [
        (COLUMNS[:4] + ("緯度", "經度") + COLUMNS[6:], "column 5 is '緯度', expected '經度'"),
        (COLUMNS[:14], "14 columns, expected 15"),
    ],
)
def test_another_header_is_refused(tmp_path, checker, header, says):
    with pytest.raises(ShelterFileError, match=says):
        read_shelter_file(write_list(tmp_path / "list.csv", [_row()], header=header), checker)


def test_an_empty_file_is_refused(tmp_path, checker):
    (tmp_path / "empty.csv").write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(ShelterFileError, match="empty"):
        read_shelter_file(tmp_path / "empty.csv", checker)
