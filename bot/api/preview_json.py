"""The preview grid as the API gives it: every channel's preview of every language in ``channels`` (a list, in the
grid's order), and beside it the fields the API had before channels were listed, kept for existing clients."""

from __future__ import annotations

from typing import Any

from bot.office.preview import LanguagePreview, NoticePreview
from channels.base import ChannelPreview

# The channels the fields kept for existing clients were named after (``line_messages``, ``facebook_post``, ...).
LINE, FACEBOOK, CABLE_TV = "line", "facebook", "cable_tv"


def channel_preview_json(preview: ChannelPreview) -> dict[str, Any]:
    return {
        "channel": preview.channel,
        "label": preview.label,
        "look": preview.look,
        "title": preview.title,
        "text": preview.text,
        "buttons": list(preview.buttons),
        "payload": preview.payload,
        "problems": list(preview.problems),
        "included": preview.included,
    }


def _language_json(preview: LanguagePreview) -> dict[str, Any]:
    line, facebook, cable = preview.on(LINE), preview.on(FACEBOOK), preview.on(CABLE_TV)
    return {
        "language": preview.language.code,
        "language_name": preview.language.native_name,
        "notice": preview.notice.as_dict(),
        "channels": [channel_preview_json(channel) for channel in preview.channels],
        "line_messages": line.payload if line else [],
        "line_alt_text": line.title if line else "",
        "crawl_line": cable.text if cable else "",
        "facebook_section": facebook.text if facebook else "",
        "poll_options": list(preview.notice.poll.options) if preview.notice.poll else None,
        "audience": dict(preview.audience),
        "on_facebook": bool(facebook and facebook.included),
        "problems": list(preview.problems),
    }


def preview_json(preview: NoticePreview) -> dict[str, Any]:
    post = next((send.text for send in preview.sends if send.channel == FACEBOOK), None)
    quota = preview.quota.as_dict() if preview.quota else None
    return {
        "notice_id": preview.notice_id,
        "total": preview.total,
        "problems": preview.problems,
        "audience": {channel: dict(per) for channel, per in preview.audience.items()},
        "district_audience": {channel: dict(per) for channel, per in preview.district_audience.items()},
        "districts": dict(preview.district_audience.get(LINE, {})),
        "district_names": dict(preview.district_names),
        "untranslated": list(preview.untranslated),
        "quota": quota,
        "line_quota": quota if preview.quota and preview.quota.channel == LINE else None,
        "sends": [channel_preview_json(send) for send in preview.sends],
        "facebook_post": post,
        "cap_xml": preview.cap_xml,
        "languages": [_language_json(p) for p in preview.languages],
    }
