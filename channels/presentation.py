"""How a notice looks wherever civicast draws it: the severity colours of the LINE band, the cable slide, the
public pages and any new channel, so that a warning is the same red everywhere."""

from __future__ import annotations

from messages.kinds import Severity
from messages.localised import LocalisedNotice

SEVERITY_COLOURS = {
    Severity.EXTREME: "#B3261E",
    Severity.SEVERE: "#C2410C",
    Severity.MODERATE: "#8A5300",
    Severity.MINOR: "#1D4ED8",
    Severity.UNKNOWN: "#4B5563",
}
TRAINING_COLOUR = "#5B21B6"  # a training notice is never coloured as a real one


def band_colour(notice: LocalisedNotice) -> str:
    """The colour of the notice's severity band (the training colour for a training notice)."""
    return TRAINING_COLOUR if notice.training else SEVERITY_COLOURS[notice.severity]
