"""The channels civicast can send through, by name: an explicit table, no directory scanning."""

from __future__ import annotations

from channels.facebook import FacebookChannel
from channels.line import LineChannel
from channels.webhook import PartnerWebhookChannel

CHANNEL_TYPES: dict[str, type] = {
    "line": LineChannel,
    "facebook": FacebookChannel,
    "partner_webhook": PartnerWebhookChannel,
}
