"""Reading CAP from others: declared encodings and byte order marks, and the national platform's liveness probe."""

from __future__ import annotations

from pathlib import Path

import pytest

from messages.cap_read import is_liveness_probe, read_cap
from tests.support.cap_read_documents import PROBE, alert_document, refusal

TYPHOON = Path(__file__).parent.parent / "data" / "cap-tw-2019" / "fifows_typhoon-warning_201908230536.xml"

# --- encodings ---


def test_declared_encodings_and_byte_order_marks_are_read():
    expected = read_cap(alert_document().encode("utf-8"))
    assert expected.infos[0].event == "颱風"
    variants = [
        alert_document(encoding="Big5").encode("big5"),
        b"\xef\xbb\xbf" + alert_document().encode("utf-8"),
        alert_document(encoding="UTF-16").encode("utf-16"),  # with its byte order mark
        alert_document(encoding="UTF-16").encode("utf-16-le"),  # without: XML's appendix F
    ]
    for document in variants:
        alert = read_cap(document)
        assert (alert.identifier, alert.infos[0].event) == (expected.identifier, expected.infos[0].event)
    latin = alert_document(encoding="ISO-8859-1", description="Café").replace("颱風", "Typhoon").encode("latin-1")
    assert read_cap(latin).infos[0].description == "Café"


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (
            alert_document().replace('encoding="UTF-8"', "").encode("big5"),
            "not readable as UTF-8 (no other encoding is declared): byte 0x",
        ),
        (
            alert_document(encoding="klingon").encode("utf-8"),
            "the XML declaration names an unknown encoding, 'klingon'",
        ),
        (alert_document(encoding="rot13").encode("utf-8"), "the XML declaration names 'rot13', which is not a text"),
        (b"\xff\xfe" + alert_document().encode("utf-8")[:-1], "not readable as UTF-16 (as its byte order mark says)"),
        (
            alert_document(encoding="unicode_escape", description="\\ud800").encode("utf-8"),
            "not well-formed XML: character '\\ud800' is not allowed",
        ),
        (b"<alert>\x00\x01\x02</alert>", "not well-formed XML: "),
    ],
    ids=["undeclared-big5", "unknown", "not-a-text-codec", "broken-utf16", "lone-surrogate", "control-bytes"],
)
def test_encoding_oddities_are_refused_with_a_reason(document, reason):
    assert refusal(document).startswith(reason)


def test_a_dtd_in_utf16_is_refused_too():
    document = alert_document(encoding="UTF-16", prolog="<!DOCTYPE alert [<!ENTITY x 'y'>]>").encode("utf-16")
    assert "declares a DTD" in refusal(document)


# --- the platform's liveness probe ---


@pytest.mark.parametrize(
    "probe",
    [
        PROBE,
        b'<?xml version="1.0" encoding="utf-8"?>\n<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">\n'
        b"    <Test>Test</Test>\n</alert>\n",
        b"\xef\xbb\xbf<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><Test> Test </Test></alert>",
    ],
    ids=["bare", "declared-and-indented", "bom-and-single-quotes"],
)
def test_the_liveness_probe_is_recognised(probe):
    assert is_liveness_probe(probe)
    assert refusal(probe) == "the platform's liveness probe (<Test>Test</Test>), not an alert"


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"<alert><Test>Test</Test></alert>",
        PROBE.replace(b"1.2", b"1.1"),
        PROBE.replace(b"<Test>Test</Test>", b"<Test>Test</Test><Test>Test</Test>"),
        PROBE.replace(b">Test<", b">Live<"),
        PROBE.replace(b"</alert>", b"text</alert>"),
        b'<!DOCTYPE alert [<!ENTITY t "Test">]>' + PROBE.replace(b">Test<", b">&t;<"),
        PROBE[:-8] + b" " * 2000 + PROBE[-8:],
        b"<html><body>Test</body></html>",
        b"\xff\xfe\x00",
    ],
    ids=[
        "empty",
        "no-namespace",
        "cap-1.1",
        "two-tests",
        "other-text",
        "stray-text",
        "entity",
        "too-large",
        "html",
        "garbage",
    ],
)
def test_anything_else_is_not_the_probe(document):
    assert not is_liveness_probe(document)


def test_a_real_alert_is_not_the_probe():
    assert not is_liveness_probe(TYPHOON.read_bytes())
    assert not is_liveness_probe(alert_document().encode("utf-8"))
