"""Builds civicast's objects from settings: the one place that wires the layers together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from bot.database import open_database
from bot.office.audit import record_scheduler_action
from bot.settings import Settings
from channels.registry import ChannelRegistry, default_registry
from messages.cap_read import ReadLimits
from messages.compose import Composer
from messages.glossary import Glossary
from messages.i18n import Catalogs
from messages.kinds import KindBook, default_kind_book
from messages.translate import FreeTextLocaliser, TranslationEngine, build_engine

if TYPE_CHECKING:
    from bot.conversation.engine import ConversationEngine
    from bot.ingest.intake import AlertIntake
    from bot.office.alerts import AlertDesk
    from bot.office.channel_hooks import ChannelHooks
    from channels.base import Channel, ChannelLimits
    from channels.facebook import FacebookChannel
    from channels.line import LineChannel
    from channels.sandbox import Sandbox
    from scheduler.jobs import SchedulerService
    from scheduler.menu_switch import MenuSwitcher
    from scheduler.sending import Dispatch
    from scheduler.worker import Worker, WorkerSettings

# Channel modules load on first use: line-bot-sdk alone takes seconds to import, and most
# commands never send anything.


@dataclass
class Services:
    settings: Settings
    catalogs: Catalogs = field(default_factory=Catalogs)
    kinds: KindBook = field(default_factory=default_kind_book)
    registry: ChannelRegistry = field(default_factory=default_registry)

    @cached_property
    def glossary(self) -> Glossary:
        return Glossary(self.catalogs)

    @cached_property
    def composer(self) -> Composer:
        return Composer(
            kinds=self.kinds,
            catalogs=self.catalogs,
            glossary=self.glossary,
            public_base_url=self.settings.public_base_url,
        )

    @cached_property
    def _database(self) -> tuple[Engine, sessionmaker]:
        return open_database(self.settings)

    @property
    def engine(self) -> Engine:
        return self._database[0]

    @property
    def session_factory(self) -> sessionmaker:
        return self._database[1]

    @cached_property
    def translation_engine(self) -> TranslationEngine:
        cfg = self.settings.translation
        return build_engine(
            cfg.engine, api_key=cfg.api_key, base_url=cfg.base_url, region=cfg.region, timeout_s=cfg.timeout_s
        )

    @cached_property
    def localiser(self) -> FreeTextLocaliser:
        return FreeTextLocaliser(
            engine=self.translation_engine,
            session_factory=self.session_factory,
            glossary=self.glossary,
            policy=self.settings.translation.policy,
        )

    # ------------------------------------------------------------------ channels

    @cached_property
    def channel_hooks(self) -> ChannelHooks:
        """The database side of every channel's context (addresses, forgetting, message counts)."""
        from bot.office.channel_hooks import ChannelHooks

        cfg = self.settings.channels
        return ChannelHooks(
            self.session_factory,
            sandbox_url=cfg.sandbox.url if cfg.mode == "sandbox" else None,
            var_dir=(self.settings.base_dir or Path.cwd()) / "var",
        )

    @cached_property
    def _built_channels(self) -> tuple[dict[str, Any], set[str]]:
        """Every configured channel by name (a disabled one too: the bot's webhooks may still answer on it), and
        the names of the enabled ones."""
        built = self.registry.build_all(self.settings.channels, self.channel_hooks.context)
        return {channel.name: channel for channel, _ in built}, {channel.name for channel, enabled in built if enabled}

    @cached_property
    def publishers(self) -> dict[str, Any]:
        """Every enabled channel by name, sent through or not (the cable crawl is published on the bot's feeds),
        in the registry's order: what the preview grid shows."""
        everything, enabled = self._built_channels
        return {name: channel for name, channel in everything.items() if name in enabled}

    @cached_property
    def channels(self) -> dict[str, Channel]:
        """Every enabled channel notices are sent through, by name."""
        from channels.base import Channel

        return {name: channel for name, channel in self.publishers.items() if isinstance(channel, Channel)}

    @property
    def line(self) -> LineChannel:
        """The LINE channel, for the bot's own replies, pushes and rich menus."""
        return cast("LineChannel", self._built_channels[0]["line"])

    @property
    def facebook(self) -> FacebookChannel:
        """The Facebook channel, for the bot's Messenger replies."""
        return cast("FacebookChannel", self._built_channels[0]["facebook"])

    def flush_message_counts(self) -> None:
        """Write the bot's counted messages now (if this process counted any)."""
        if "channel_hooks" in self.__dict__:
            self.channel_hooks.flush()

    @cached_property
    def channel_limits(self) -> dict[str, ChannelLimits]:
        """Each enabled channel's limits (as configured)."""
        return {name: channel.limits for name, channel in self.channels.items()}

    @cached_property
    def dispatch(self) -> Dispatch:
        from scheduler.sending import Dispatch

        return Dispatch(
            session_factory=self.session_factory,
            composer=self.composer,
            glossary=self.glossary,
            localiser=self.localiser,
            channels=self.channel_limits,
            languages=self.settings.languages,
            public_channels_for_training=self.settings.channels.mode == "sandbox",
            audit=record_scheduler_action,
        )

    def build_worker(self, worker_id: str | None = None) -> Worker:
        import os
        import socket

        from scheduler.render import NoticeRenderer
        from scheduler.worker import RetryPolicy, Worker, WorkerSettings

        cfg = self.settings.workers
        settings = WorkerSettings(
            worker_id=worker_id or f"{socket.gethostname()}:{os.getpid()}",
            lease_s=cfg.lease_s,
            claim_batch=cfg.claim_batch,
            poll_s=cfg.poll_s,
            rate_share=cfg.rate_share,
            max_threads=cfg.max_threads_per_channel,
            record_interval_s=cfg.record_interval_s,
            rates={name: limits.requests_per_second for name, limits in self.channel_limits.items()},
            retry=RetryPolicy(max_attempts=cfg.max_attempts, base_s=cfg.backoff_base_s, max_s=cfg.backoff_max_s),
        )
        renderer = NoticeRenderer(self.session_factory, self.composer, self.settings.languages)
        self.composer.warm_up(self.settings.languages)
        return Worker(
            session_factory=self.session_factory,
            channels=self.channels,
            renderer=renderer,
            settings=settings,
            sandboxed_channels=self.sandboxed_channels,
            menu_switcher=self.menu_switcher(settings) if "line" in self.channels else None,
        )

    def menu_switcher(self, settings: WorkerSettings) -> MenuSwitcher:
        """The worker's sender of LINE rich-menu switches (disaster mode), within its share of the bulk link rate."""
        from scheduler.menu_switch import BULK_LINK_RATE, MenuSwitcher

        return MenuSwitcher(
            session_factory=self.session_factory,
            line=self.line,
            worker_id=settings.worker_id,
            retry=settings.retry,
            rate=BULK_LINK_RATE * settings.rate_share,
            lease_s=settings.lease_s,
            poll_s=settings.poll_s,
        )

    @property
    def sandboxed_channels(self) -> dict[str, Channel] | None:
        """Live mode: simulated stand-ins, where notices made with a test API key go. Sandbox mode: None,
        as every channel is the sandbox already."""
        from channels.simulated import SimulatedChannel

        if self.settings.channels.mode != "live":
            return None
        return {name: SimulatedChannel(channel) for name, channel in self.channels.items()}

    def build_scheduler(self) -> SchedulerService:
        from scheduler.jobs import SchedulerService

        cfg = self.settings.scheduler
        return SchedulerService(
            self.dispatch,
            self.engine,
            misfire_grace_s=cfg.misfire_grace_s,
            poll_s=cfg.poll_s,
            periodic={**self.feed_jobs(), **self.case_jobs()},
        )

    def case_jobs(
        self, *, clock: Callable[[], datetime] | None = None
    ) -> dict[str, tuple[Callable[[], object], float]]:
        """The petitions' reminder job (``clock``: the dispatcher's)."""
        from bot.office.case_deadlines import reminder_jobs

        return reminder_jobs(self.session_factory, self.settings.petitions, clock or (lambda: self.dispatch.clock()))

    def feed_jobs(self) -> dict[str, tuple[Callable[[], object], float]]:
        """One job per configured feed of the national platform, polled by the leading scheduler; each with its
        own HTTP session (jobs run in parallel). What a poll fetches is decided at once, in the job's thread."""
        from functools import partial

        import requests

        from ingest.feeds import FEED_JOB, FeedPoller

        cfg = self.settings.cap.ingest
        if not cfg.enabled:
            return {}
        intake = self.alert_intake

        def deliver(document: bytes, origin: str) -> int:
            return intake.receive_and_decide(document, source="poll", origin=origin)[0].incoming_id

        jobs: dict[str, tuple[Callable[[], object], float]] = {}
        for feed in cfg.feeds:
            poller = FeedPoller(
                self.session_factory,
                requests.Session(),
                deliver=deliver,
                clock=self.dispatch.clock,
                timeout_s=cfg.timeout_s,
                max_bytes=cfg.max_bytes,
                allowed_hosts=cfg.feed_hosts,
            )
            jobs[FEED_JOB.format(feed.name)] = (partial(poller.poll, feed), feed.every_s)
        return jobs

    @cached_property
    def conversation_engine(self) -> ConversationEngine:
        from bot.conversation.engine import ConversationEngine
        from bot.conversation.faq import FaqIndex
        from bot.conversation.texts import BotTexts

        return ConversationEngine(
            session_factory=self.session_factory,
            texts=BotTexts(self.catalogs),
            glossary=self.glossary,
            composer=self.composer,
            faq=FaqIndex(self.session_factory),
            petition_rules=self.settings.petitions.rules(),
        )

    @cached_property
    def console_secret_key(self) -> str:
        """The configured key, or one generated once into var/ beside the configuration (sandbox mode)."""
        if self.settings.console.secret_key:
            return self.settings.console.secret_key
        import secrets

        path = (self.settings.base_dir or Path.cwd()) / "var" / "console-secret-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()

    @cached_property
    def alert_intake(self) -> AlertIntake:
        """Where alerts from the national platform arrive (push, feeds, files); decided on the alert desk."""
        from bot.ingest.intake import AlertIntake

        cfg = self.settings.cap.ingest
        return AlertIntake(
            session_factory=self.session_factory,
            desk=self.build_alert_desk,
            limits=self.read_limits,
            clock=self.dispatch.clock,
            push_secret=cfg.push_secret,
            allow_from=cfg.allow_from,
        )

    @property
    def read_limits(self) -> ReadLimits:
        cfg = self.settings.cap.ingest
        return ReadLimits(max_bytes=cfg.max_bytes, max_depth=cfg.max_depth, tolerate=frozenset(cfg.tolerate))

    def seed_ingest_rules(self) -> None:
        """The configured rules, written once when the database has none (admins change them on the console)."""
        from ingest.rules import Action, Rule, seed_rules

        rules = [
            Rule(**{**rule.model_dump(), "action": Action(rule.action), "districts": tuple(rule.districts)})
            for rule in self.settings.cap.ingest.rules
        ]
        with self.session_factory.begin() as session:
            seed_rules(session, rules, now=self.dispatch.clock())

    def build_alert_desk(self) -> AlertDesk:
        import uuid

        from bot.office.alerts import AlertDesk
        from messages.cap_tw import default_places

        cfg = self.settings.cap.ingest
        self.seed_ingest_rules()
        notify = None
        if cfg.duty_officers and "line" in self.channels:
            line = self.line

            def notify(text: str) -> None:
                for user_id in cfg.duty_officers:
                    line.push(user_id, [{"type": "text", "text": text[:5000]}], retry_key=str(uuid.uuid4()))

        return AlertDesk(
            dispatch=self.dispatch,
            places=default_places(),
            channels=self.channel_limits,
            limits=self.read_limits,
            notify_duty=notify,
            console_url=self.settings.public_base_url,
        )

    def build_sandbox(self) -> Sandbox:
        """The LINE and Graph stand-ins, accepting this configuration's tokens."""
        from channels.sandbox import Faults, Sandbox

        cfg = self.settings.channels
        webhook = cfg.sandbox.webhook_url or f"{self.settings.public_base_url}/webhooks/line"
        return Sandbox.create(
            line_access_token=cfg.line.channel_access_token,
            line_channel_secret=cfg.line.channel_secret,
            facebook_page_id=cfg.facebook.page_id,
            facebook_page_token=cfg.facebook.page_access_token,
            webhook_url=webhook,
            line_faults=Faults(**cfg.sandbox.line.model_dump()),
            graph_faults=Faults(**cfg.sandbox.facebook.model_dump()),
        )

    def close(self) -> None:
        self.flush_message_counts()  # the counts of the last seconds, before the database goes
        if "_database" in self.__dict__:
            self.engine.dispose()
        if "alert_intake" in self.__dict__:
            self.alert_intake.close()
        closing = [self.__dict__.get("translation_engine")]
        if "_built_channels" in self.__dict__:
            closing += list(self._built_channels[0].values())
        for thing in closing:
            close = getattr(thing, "close", None)
            if close:
                close()
