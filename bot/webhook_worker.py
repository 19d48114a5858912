"""The resident bot's event handlers, and a process that answers stored webhook events.

``build_bots`` gives the LINE and Messenger handlers the web application serves.
With ``webhooks.handle_in_web: false`` the web processes only store events, and
``civicast webhook-worker`` answers them: it polls ``webhook_events`` and hands
each resident's events, in order, to the same handlers.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bot.line_webhook import LineBot
from bot.messenger_webhook import MessengerBot
from bot.services import Services

log = logging.getLogger("civicast.webhook_worker")


def build_bots(services: Services, executor: ThreadPoolExecutor, *, handle_here: bool) -> tuple[LineBot,
                                                                                                 MessengerBot]:
    channels = services.settings.channels
    keep_events = timedelta(days=services.settings.webhooks.keep_events_days)
    line_bot = LineBot(channel_secret=channels.line.channel_secret, engine=services.conversation_engine,
                       line=services.line, session_factory=services.session_factory, executor=executor,
                       handle_here=handle_here, keep_events=keep_events)
    messenger_bot = MessengerBot(app_secret=channels.facebook.app_secret, verify_token=channels.facebook.verify_token,
                                 engine=services.conversation_engine, facebook=services.facebook,
                                 session_factory=services.session_factory, executor=executor,
                                 handle_here=handle_here, keep_events=keep_events)
    return line_bot, messenger_bot


class WebhookWorker:
    """Answers the events web processes stored, until stopped."""

    def __init__(self, services: Services) -> None:
        settings = services.settings.webhooks
        self.poll_s = settings.poll_s
        self.executor = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="webhook-worker")
        self.bots = build_bots(services, self.executor, handle_here=True)
        self.services = services
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def poll_once(self) -> int:
        return sum(bot.inbox.sweep() for bot in self.bots)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                found = self.poll_once()
            except Exception:  # the database may be restarting: try again at the next poll
                log.exception("polling webhook events failed")
                found = 0
            if not found:
                self._stop.wait(self.poll_s)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="webhook-poller", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.executor.shutdown(wait=True)
        self.services.flush_message_counts()  # the replies and pushes of its last seconds
