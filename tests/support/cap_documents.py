"""CAP documents shaped as Taiwan's national platform publishes them, for tests."""

from __future__ import annotations

from datetime import datetime, timedelta

CWA_SENDER = "cwa@scman.cwa.gov.tw"


def taipei(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"


def earthquake(
    identifier: str,
    origin: datetime,
    *,
    status: str = "Actual",
    kaohsiung: str = "4級",
    msg_type: str = "Alert",
    references: str = "",
    expires_in: timedelta = timedelta(hours=1),
    location: str = "花蓮縣政府南南東方25.0公里",
) -> bytes:
    """An earthquake report of the Central Weather Administration: intensity ``kaohsiung`` in Kaohsiung."""
    refs = f"\n  <references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{CWA_SENDER}</sender>
  <sent>{taipei(origin)}</sent>
  <status>{status}</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>{refs}
  <info>
    <language>zh-TW</language>
    <category>Geo</category>
    <event>地震</event>
    <responseType>Shelter</responseType>
    <urgency>Past</urgency>
    <severity>Moderate</severity>
    <certainty>Observed</certainty>
    <eventCode><valueName>profile:CAP-TWP:Event:1.0</valueName><value>earthquake</value></eventCode>
    <effective>{taipei(origin)}</effective>
    <expires>{taipei(origin + expires_in)}</expires>
    <senderName>中央氣象署</senderName>
    <headline>地震報告</headline>
    <description>花蓮縣政府南南東方25.0公里發生規模6.2有感地震，最大震度花蓮縣5弱、高雄市{kaohsiung}。</description>
    <web>https://scweb.cwa.gov.tw/</web>
    <parameter><valueName>EventOriginTime</valueName><value>{taipei(origin)}</value></parameter>
    <parameter><valueName>EventLatLon</valueName><value>23.77,121.67</value></parameter>
    <parameter><valueName>EventLocationName</valueName><value>{location}</value></parameter>
    <parameter><valueName>EventDepth</valueName><value>15.5</value></parameter>
    <parameter><valueName>EventMagnitudeDescription</valueName><value>6.2</value></parameter>
    <parameter><valueName>LocalMaxIntensity</valueName><value>5弱;"花蓮縣";Taiwan_Geocode_103;10015;;;"CAP-EQ:1.0"</value></parameter>
    <parameter><valueName>LocalMaxIntensity</valueName><value>{kaohsiung};"高雄市";Taiwan_Geocode_103;64;;;"CAP-EQ:1.0"</value></parameter>
    <area><areaDesc>震央</areaDesc><circle>23.77,121.67 0</circle></area>
    <area><areaDesc>高雄市</areaDesc><geocode><valueName>Taiwan_Geocode_103</valueName><value>64</value></geocode></area>
  </info>
</alert>""".encode()


def cancel(identifier: str, sent: datetime, references: str, *, status: str = "Actual") -> bytes:
    """A Cancel that carries only its references, as the platform may send one."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{CWA_SENDER}</sender>
  <sent>{taipei(sent)}</sent>
  <status>{status}</status>
  <msgType>Cancel</msgType>
  <scope>Public</scope>
  <references>{references}</references>
</alert>""".encode()


def reference(identifier: str, sent: datetime) -> str:
    return f"{CWA_SENDER},{identifier},{taipei(sent)}"
