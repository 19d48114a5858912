"""The LINE channel with its pushes recorded instead of sent: what a resident would have been pushed."""

from __future__ import annotations

from channels.base import SendResult
from channels.line import LineChannel, check_messages


class RecordingLine(LineChannel):
    def __init__(self) -> None:
        super().__init__(access_token="recording")
        self.pushes: list[tuple[str, list[dict]]] = []

    def push(self, user_id, messages, *, retry_key):
        check_messages(messages)  # what LINE would refuse is refused here too
        self.pushes.append((user_id, list(messages)))
        return SendResult()


def record_line_pushes(services) -> RecordingLine:
    """Put the recording channel in the services' place of LINE (every other channel stays)."""
    line = RecordingLine()
    services.__dict__["channels"] = {**services.channels, line.name: line}
    return line
