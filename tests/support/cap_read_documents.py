"""CAP documents for the tests of reading CAP from others: one alert written to order, and the reason one is refused."""

from __future__ import annotations

import pytest

from messages.cap import CapError
from messages.cap_read import ReadLimits, read_cap

CAP_12 = "urn:oasis:names:tc:emergency:cap:1.2"
PROBE = b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><Test>Test</Test></alert>'


def alert_document(
    *, prolog: str = "", description: str = "颱風警報", encoding: str = "UTF-8", root_attributes: str = ""
) -> str:
    """A minimal valid CAP 1.2 alert, with whatever a test slips in before the root or into the description."""
    return f"""<?xml version="1.0" encoding="{encoding}"?>
{prolog}<alert xmlns="{CAP_12}"{root_attributes}>
  <identifier>test-0001</identifier>
  <sender>test.example.tw</sender>
  <sent>2019-08-23T05:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-TW</language>
    <category>Met</category>
    <event>颱風</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <description>{description}</description>
  </info>
</alert>
"""


def refusal(document: bytes, limits: ReadLimits | None = None) -> str:
    with pytest.raises(CapError) as refused:
        read_cap(document, limits or ReadLimits())
    return str(refused.value)
