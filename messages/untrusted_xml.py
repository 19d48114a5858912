"""Parsing XML that anyone may send: bounded, without DTDs, entities or network, refused with a reason to show.

The cheap checks run before lxml sees a byte: emptiness, size, the encoding, and what precedes the root element
(an HTML error page, a DTD). The document is decoded here, once, and lxml parses exactly that text, so the checks
and the parser never disagree about what the document says. lxml then parses with every loading feature off and
is fed in chunks, so nesting beyond the limit is refused as soon as it is seen, before the tree grows.
"""

from __future__ import annotations

import codecs
import html
import re

from lxml import etree

XHTML_NS = "http://www.w3.org/1999/xhtml"
HTML_ROOTS = frozenset({"html", "head", "body"})
FEED_CHUNK = 64 * 1024
LIBXML_MAX_DEPTH = 256  # libxml2 stops there itself without XML_PARSE_HUGE
REASON_MAX_CHARS = 300
_BOMS = (  # UTF-32-LE first: its mark begins with UTF-16-LE's
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_DECLARED_ENCODING = re.compile(rb"""<\?xml\s[^>]{0,200}?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:-]{0,39})["']""")
_HTML_DOCTYPE = re.compile(r"<!doctype\s+html\b", re.IGNORECASE)
_DECLARATION_KEYWORD = re.compile(r"<!([A-Za-z]{0,20})")
_NAME_END = re.compile(r"[\s/>]")
# bounded, so that many unclosed <title openings cost no rescanning
_TITLE_OPEN = re.compile(r"<(?:[\w.-]{1,20}:)?title(?:\s[^>]{0,200})?>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</(?:[\w.-]{1,20}:)?title", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]{0,200}>")
_LXML_SOURCE = re.compile(r"\s*\(<string>, line \d+\)$")


class RefusedXml(ValueError):
    """XML refused before or while parsing; the message says why in words fit for an officer."""


def shown(text: str, limit: int = REASON_MAX_CHARS) -> str:
    """Document text made safe to show or print: one line, no control characters, bounded."""
    flat = " ".join("".join(ch if ch.isprintable() or ch.isspace() else " " for ch in text[: limit * 2]).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def decode(document: bytes) -> str:
    """The document's text: a byte order mark decides, then the XML declaration, else UTF-8."""
    for mark, codec, label in _BOMS:
        if document.startswith(mark):
            return _decode_as(document[len(mark) :], codec, f"{label} (as its byte order mark says)")
    if document.startswith(b"<\x00?\x00"):  # UTF-16 without its mark; XML's appendix F
        return _decode_as(document, "utf-16-le", "UTF-16")
    if document.startswith(b"\x00<\x00?"):
        return _decode_as(document, "utf-16-be", "UTF-16")
    declared = _DECLARED_ENCODING.match(document)
    if declared is None:
        return _decode_as(document, "utf-8", "UTF-8 (no other encoding is declared)")
    name = declared.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        raise RefusedXml(f"the XML declaration names an unknown encoding, {name!r}") from None
    if codec.startswith(("utf-16", "utf-32")):
        codec = "utf-8"  # a declaration readable byte by byte is not UTF-16; libxml2 reads these as UTF-8 too
    return _decode_as(document, codec, name)


def _decode_as(data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except LookupError:  # codecs.lookup knows rot13, zlib...: codecs that are not text encodings
        raise RefusedXml(f"the XML declaration names {label!r}, which is not a text encoding") from None
    except UnicodeDecodeError as exc:
        raise RefusedXml(f"not readable as {label}: byte 0x{data[exc.start]:02X} at offset {exc.start}") from None


def html_page_reason(text: str) -> str:
    head = text[:FEED_CHUNK]
    title = ""
    if opened := _TITLE_OPEN.search(head):
        closed = _TITLE_CLOSE.search(head, opened.end())
        raw = head[opened.end() : closed.start() if closed else opened.end() + 200]
        title = shown(html.unescape(_TAG.sub(" ", raw).partition("<")[0]), 80)
    return "an HTML page, not a CAP alert" + (f' (its title: "{title}")' if title else "")


def check_prolog(text: str) -> None:
    """Refuse a DTD or an HTML page by what precedes the root element: a DTD can stand nowhere else."""
    position = 0
    while (start := text.find("<", position)) >= 0 and not text[position:start].strip():
        if text.startswith("<!--", start):
            end, after = text.find("-->", start + 4), 3
        elif text.startswith("<?", start):
            end, after = text.find("?>", start + 2), 2
        elif text.startswith("<!", start):
            if _HTML_DOCTYPE.match(text, start):
                raise RefusedXml(html_page_reason(text))
            declared = _DECLARATION_KEYWORD.match(text, start)
            keyword = (declared.group(1).upper() if declared else "") or "…"
            raise RefusedXml(
                f"the document declares a DTD (<!{keyword} …>); DTDs and entities are refused, "
                "a CAP alert never needs them"
            )
        else:
            name = text[start + 1 : start + 1 + 200]
            end_of_name = _NAME_END.search(name)
            local_name = name[: end_of_name.start() if end_of_name else len(name)].rpartition(":")[2]
            if local_name.lower() in HTML_ROOTS:
                raise RefusedXml(html_page_reason(text))
            return
        if end < 0:
            return  # an unclosed comment or instruction: the parser says so
        position = end + after


def _hardened_parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start", "end"),
        encoding="utf-8",
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        collect_ids=False,
    )


def _lxml_reason(exc: etree.LxmlError) -> str:
    return shown(_LXML_SOURCE.sub("", str(exc)))


def _parse_within_depth(utf8: bytes, max_depth: int) -> etree._Element:
    """Parse in chunks, following the nesting as the parser reports it: too deep is refused before the tree grows."""
    parser = _hardened_parser()
    depth = 0

    def follow_depth() -> None:
        nonlocal depth
        for event, _ in parser.read_events():
            depth += 1 if event == "start" else -1
            if depth > max_depth:
                raise RefusedXml(f"nested too deeply: elements more than {max_depth} levels deep")

    try:
        for offset in range(0, len(utf8), FEED_CHUNK):
            parser.feed(utf8[offset : offset + FEED_CHUNK])
            follow_depth()
        root = parser.close()
    except etree.LxmlError as exc:
        follow_depth()  # the events parsed before the error may already be too deep
        if "Excessive depth" in str(exc):
            raise RefusedXml(f"nested too deeply: elements more than {LIBXML_MAX_DEPTH} levels deep") from None
        raise RefusedXml(f"not well-formed XML: {_lxml_reason(exc)}") from None
    follow_depth()
    return root


def parse_untrusted(document: bytes, *, max_bytes: int, max_depth: int) -> etree._Element:
    """The root element of a document anyone may have sent, or RefusedXml saying what is wrong with it."""
    if len(document) > max_bytes:  # first: nothing else may touch an oversized body, not even to strip it
        raise RefusedXml(f"too large: the document is {len(document):,} bytes; the limit is {max_bytes:,} bytes")
    if not document.strip():
        raise RefusedXml("empty document")
    text = decode(document)
    if not text.strip():
        raise RefusedXml("empty document")
    check_prolog(text)
    try:
        utf8 = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates that a lax codec let through
        raise RefusedXml(f"not well-formed XML: character {exc.object[exc.start]!a} is not allowed") from None
    root = _parse_within_depth(utf8, max_depth)
    if root.getroottree().docinfo.doctype:  # check_prolog refused these already; this parser must never see one
        raise RefusedXml("the document declares a DTD; DTDs and entities are refused, a CAP alert never needs them")
    qname = etree.QName(root)
    if qname.namespace == XHTML_NS or qname.localname.lower() in HTML_ROOTS:
        raise RefusedXml(html_page_reason(text))
    return root
