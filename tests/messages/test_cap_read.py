"""Reading CAP from others: the national platform's real alerts are read, hostile documents refused with a reason."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from messages.cap import CapError
from messages.cap_read import DESCRIPTION_MARKUP, ReadLimits, read_cap
from tests.support.cap_read_documents import alert_document, refusal
from tests.support.serving import serve_in_background

REAL_ALERTS = Path(__file__).parent.parent / "data" / "cap-tw-2019"
TYPHOON = REAL_ALERTS / "fifows_typhoon-warning_201908230536.xml"
TOLERANT = ReadLimits(tolerate=frozenset({DESCRIPTION_MARKUP}))
CAP_12 = "urn:oasis:names:tc:emergency:cap:1.2"


class RecordingServer:
    """An HTTP server on 127.0.0.1 that answers anything and records every path asked for."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorded = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                recorded.append(self.path)
                body = b'<!ENTITY leak "fetched">'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = serve_in_background(self.server)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.close()


# --- the national platform's real alerts ---


@pytest.mark.parametrize("path", sorted(REAL_ALERTS.glob("*.xml")), ids=lambda p: p.stem)
def test_real_taiwanese_alerts_are_read(path):
    limits = TOLERANT if path == TYPHOON else ReadLimits()
    alert = read_cap(path.read_bytes(), limits)
    assert alert.identifier and alert.sender and alert.sent and alert.infos
    assert alert.infos[0].language.lower().startswith("zh")
    assert alert.tolerated == ((DESCRIPTION_MARKUP,) if path == TYPHOON else ())


def test_the_tolerance_is_not_needed_by_valid_alerts():
    for path in REAL_ALERTS.glob("*.xml"):
        if path != TYPHOON:
            assert read_cap(path.read_bytes(), TOLERANT).tolerated == ()


def test_typhoon_warning_with_markup_in_its_description_is_refused_without_the_tolerance():
    reason = refusal(TYPHOON.read_bytes())
    assert reason.startswith("not valid CAP 1.2: line 28: Element 'description': Element content is not allowed")
    assert f"markup inside <description> is the only deviation (tolerance {DESCRIPTION_MARKUP})" in reason


def test_typhoon_warning_is_read_with_the_tolerance():
    alert = read_cap(TYPHOON.read_bytes(), TOLERANT)
    info = alert.infos[0]
    assert alert.tolerated == (DESCRIPTION_MARKUP,)
    assert info.event_code("profile:CAP-TWP:Event:1.0") == "typhoon"
    assert info.description.startswith("1SEA11BAILU白鹿")  # the text content of the markup, as written
    assert "輕度颱風 白鹿（國際命名 BAILU）" in info.description and "<" not in info.description
    assert info.description.endswith("第11號颱風之7級風暴風半徑接近正圓約為120公里。")
    assert info.parameter("alert_title") == "颱風警報" and info.parameter("alert_color") == "橙色"
    polygons = [polygon for area in info.areas for polygon in area.polygons]
    assert len(polygons) == 2 and polygons[0].startswith("22.00,121.50 22.00,121.00 22.00,120.86")
    assert all(polygon.split()[0] == polygon.split()[-1] for polygon in polygons)  # closed rings


def test_the_tolerance_covers_description_markup_only():
    other_fault = TYPHOON.read_bytes().replace(b"<status>Actual</status>", b"<status>Maybe</status>")
    reason = refusal(other_fault, TOLERANT)
    assert "Element 'status'" in reason and "'Maybe' is not an element of the set" in reason
    assert "description" not in reason


def test_the_first_schema_errors_are_shown_and_the_rest_counted():
    document = alert_document().replace("<status>Actual", "<status>Maybe").replace("<msgType>Alert", "<msgType>Ask")
    document = document.replace("<scope>Public", "<scope>All").replace("<urgency>Expected", "<urgency>Soon")
    reason = refusal(document.encode("utf-8"))
    assert reason.startswith("not valid CAP 1.2: line 6: Element 'status': [facet 'enumeration'] The value 'Maybe'")
    assert "line 7: Element 'msgType'" in reason and "line 8: Element 'scope'" in reason
    assert "urgency" not in reason and reason.endswith(" (and 1 more)")


def test_unknown_tolerances_are_a_configuration_error():
    with pytest.raises(ValueError, match="unknown CAP tolerance.*description-markup; known: description_markup"):
        ReadLimits(tolerate=frozenset({"description-markup"}))


def test_circles_of_the_kaohsiung_parking_alert_are_read():
    alert = read_cap((REAL_ALERTS / "KHC_Parking_20190823224823.xml").read_bytes())
    info = alert.infos[0]
    assert alert.sender == "kcg.gov.tw" and info.event_codes == (("profile:CAP-TWP:Event:1.0", "Parking"),)
    circles = [circle for area in info.areas for circle in area.circles]
    assert len(info.areas) > 300 and len(circles) == 331
    assert circles[0] == "22.635521,120.322099 0.1"


def test_parameters_of_the_tsunami_warning_are_read_in_order():
    info = read_cap((REAL_ALERTS / "CWB-TSU10401001.xml").read_bytes()).infos[0]
    assert info.parameter("EventMagnitude") == "7.5"
    assert info.parameter("EventOriginTime") == "2015-10-01T09:21:00+08:00"
    assert info.parameter("EventDepth") == "20.0公里"
    assert info.parameter("EventLatLon") == "24.140,122.190 0.000"
    assert [name for name, _ in info.parameters][:3] == ["alert_title", "tsunami_no", "report_no"]


# --- hostile documents: each refused quickly, with a reason that names the problem ---


def test_xxe_to_a_local_file_reads_nothing(tmp_path):
    secret = "SECRET-4f1c9e-never-shown"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret, encoding="utf-8")
    uri = secret_file.as_uri()
    documents = [
        alert_document(prolog=f'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "{uri}">]>\n', description="&xxe;"),
        alert_document(prolog=f'<!DOCTYPE alert [<!ENTITY % xxe SYSTEM "{uri}"> %xxe;]>\n'),
        alert_document(prolog=f'<!DOCTYPE alert SYSTEM "{uri}">\n'),
    ]
    for document in documents:
        with pytest.raises(CapError) as refused:
            read_cap(document.encode("utf-8"), TOLERANT)
        assert "declares a DTD (<!DOCTYPE …>)" in str(refused.value)
        chain = [refused.value, refused.value.__cause__, refused.value.__context__]
        assert not any(secret in repr(error) for error in chain if error is not None)


def test_xinclude_is_never_processed(tmp_path):
    secret = "SECRET-8d2a77-never-shown"
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(secret, encoding="utf-8")
    include = f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret_file.as_uri()}" parse="text"/>'
    document = alert_document(description=f"before {include} after").encode("utf-8")
    assert "Element 'description'" in refusal(document)
    alert = read_cap(document, TOLERANT)  # the markup is flattened to its text; the include is not followed
    assert alert.infos[0].description == "before  after"
    assert secret not in repr(alert)


def test_nothing_is_fetched_over_the_network(listener):
    url = listener.url
    refused = [
        alert_document(prolog=f'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "{url}/entity">]>\n', description="&xxe;"),
        alert_document(prolog=f'<!DOCTYPE alert SYSTEM "{url}/cap.dtd">\n'),
        alert_document(prolog=f'<!DOCTYPE alert PUBLIC "-//civicast//test" "{url}/public.dtd">\n'),
        alert_document(prolog=f'<!DOCTYPE alert [<!ENTITY % remote SYSTEM "{url}/parameter"> %remote;]>\n'),
    ]
    for document in refused:
        assert "declares a DTD" in refusal(document.encode("utf-8"), TOLERANT)
    # hints that a careless reader would follow: none is needed to read the alert, so none is followed
    hinted = [
        alert_document(
            root_attributes=' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation="{CAP_12} {url}/cap12.xsd"'
        ),
        alert_document(prolog=f'<?xml-stylesheet type="text/xsl" href="{url}/style.xsl"?>\n'),
        alert_document(description=f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/xi"/>'),
    ]
    for document in hinted:
        assert read_cap(document.encode("utf-8"), TOLERANT).identifier == "test-0001"
    assert listener.requests == []
    with urllib.request.urlopen(f"{url}/the-listener-works", timeout=5) as response:
        assert response.status == 200
    assert listener.requests == ["/the-listener-works"]


def test_billion_laughs_is_refused_unexpanded():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{level} "{("&lol" + str(level - 1 or "") + ";") * 10}">' for level in range(1, 10)
    )
    document = alert_document(prolog=f"<!DOCTYPE alert [{entities}]>\n", description="&lol9;")
    assert "declares a DTD (<!DOCTYPE …>); DTDs and entities are refused" in refusal(document.encode("utf-8"))


def test_quadratic_blowup_is_refused_unexpanded():
    big_entity = "A" * 100_000
    document = alert_document(
        prolog=f'<!DOCTYPE alert [<!ENTITY big "{big_entity}">]>\n', description="&big;" * 50_000
    ).encode("utf-8")
    assert len(document) < 1024 * 1024  # within the size limit: it is the DTD that is refused
    assert "declares a DTD" in refusal(document)


def test_a_ten_megabyte_body_is_refused_for_its_size_before_parsing():
    document = alert_document(description="x" * (10 * 1024 * 1024)).encode("utf-8")
    assert refusal(document).startswith(
        f"too large: the document is {len(document):,} bytes; the limit is 1,048,576 bytes"
    )
    assert "too large" in refusal(alert_document().encode("utf-8"), ReadLimits(max_bytes=100))


@pytest.mark.parametrize(
    "document",
    [
        b"<a>" * 100_000 + b"</a>" * 100_000,
        f'<alert xmlns="{CAP_12}">'.encode() + b"<x>" * 100_000 + b"</x>" * 100_000 + b"</alert>",
        b"<a>" * 100_000,  # and never closed
    ],
    ids=["plain", "inside-an-alert", "unclosed"],
)
def test_deep_nesting_is_refused_without_building_the_tree(document):
    assert refusal(document) == "nested too deeply: elements more than 40 levels deep"


def test_a_depth_limit_beyond_libxml2s_own_is_bounded_by_libxml2():
    assert refusal(b"<a>" * 100_000, ReadLimits(max_depth=1000)) == (
        "nested too deeply: elements more than 256 levels deep"
    )


def test_the_depth_limit_is_the_configured_one():
    nested = alert_document(description="<b>" * 8 + "deep" + "</b>" * 8).encode("utf-8")
    assert read_cap(nested, ReadLimits(max_depth=11, tolerate=frozenset({DESCRIPTION_MARKUP}))).infos
    assert refusal(nested, ReadLimits(max_depth=10)) == "nested too deeply: elements more than 10 levels deep"


@pytest.mark.parametrize(
    "page",
    [
        b"<!DOCTYPE html>\n<html lang=zh-Hant><head><title>503 Service Unavailable</title></head><body>",
        b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">\n<HTML><HEAD><TITLE>503 Service\n Unavailable</TITLE>',
        b"\n  <html><head><title>503 Service Unavailable</title></head><body><h1>503</h1></body></html>",
        b'<?xml version="1.0"?>\n<!-- saved from url -->\n<html xmlns="http://www.w3.org/1999/xhtml">'
        b"<head><title>503 Service &amp; Unavailable</title></head></html>",
        b'<?xml version="1.0"?><h:html xmlns:h="http://www.w3.org/1999/xhtml"><h:head><h:title>503 Service Unavailable'
        b"</h:title></h:head></h:html>",
    ],
    ids=["html5", "html4-doctype", "no-doctype", "xhtml", "xhtml-prefixed"],
)
def test_an_html_error_page_is_named_as_such(page):
    reason = refusal(page)
    assert reason.startswith('an HTML page, not a CAP alert (its title: "503 Service')
    assert reason.endswith('Unavailable")')


def test_an_html_page_without_a_title():
    assert refusal(b"<html><body><h1>503</h1></body></html>") == "an HTML page, not a CAP alert"


@pytest.mark.parametrize(
    "document",
    [b"", b"   \r\n\t", b"\xef\xbb\xbf", b"\xef\xbb\xbf  \n"],
    ids=["nothing", "whitespace", "bom", "bom-whitespace"],
)
def test_an_empty_body_is_refused(document):
    assert refusal(document) == "empty document"


def test_a_foreign_root_or_namespace_is_named():
    assert refusal(b'<alert xmlns="urn:example:alerts"><identifier>x</identifier></alert>') == (
        f"not a CAP 1.2 alert: the root element is <alert> in namespace urn:example:alerts; "
        f"a CAP 1.2 alert is <alert> in namespace {CAP_12}"
    )
    assert "the root element is <alert> in no namespace" in refusal(b"<alert><identifier>x</identifier></alert>")
    assert "the root element is <rss> in no namespace" in refusal(b'<rss version="2.0"><channel/></rss>')


def test_cap_1_1_is_named():
    document = alert_document().replace(CAP_12, "urn:oasis:names:tc:emergency:cap:1.1").encode("utf-8")
    assert refusal(document) == (
        f"CAP 1.1 (namespace urn:oasis:names:tc:emergency:cap:1.1); civicast reads CAP 1.2 ({CAP_12})"
    )


def test_malformed_xml_is_named():
    reason = refusal(f"<alert xmlns='{CAP_12}'><identifier>".encode())
    assert reason.startswith("not well-formed XML: Premature end of data in tag identifier")
    assert "<string>" not in reason
    assert refusal(b"Service Unavailable").startswith("not well-formed XML: Start tag expected")


def test_missing_required_elements_are_named_at_once():
    assert refusal(f"<alert xmlns='{CAP_12}'><identifier>x</identifier></alert>".encode()) == (
        "not valid CAP 1.2: line 1: <alert> lacks sender, sent, status, msgType, scope"
    )


def test_document_text_in_a_reason_is_one_printable_bounded_line():
    foreign = refusal(b'<alert xmlns="urn:' + b"x" * 5000 + b'"/>')
    assert len(foreign) < 400 and foreign.endswith(f"x…; a CAP 1.2 alert is <alert> in namespace {CAP_12}")
    malformed = refusal(b'<alert xmlns="urn:' + b"x" * 5000 + b'\n\x1b[31m"/>')
    assert malformed.startswith("not well-formed XML: ") and len(malformed) <= 300
    assert malformed.isprintable()
