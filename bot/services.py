"""Builds civicast's objects from settings: the one place that wires the layers together."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from bot.database import open_database
from bot.settings import Settings
from messages.compose import Composer
from messages.glossary import Glossary
from messages.i18n import Catalogs
from messages.kinds import KindBook, default_kind_book
from messages.translate import FreeTextLocaliser, TranslationEngine, build_engine


@dataclass
class Services:
    settings: Settings
    catalogs: Catalogs = field(default_factory=Catalogs)
    kinds: KindBook = field(default_factory=default_kind_book)

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
            cfg.engine,
            api_key=cfg.api_key,
            base_url=cfg.base_url,
            region=cfg.region,
            timeout_s=cfg.timeout_s,
        )

    @cached_property
    def localiser(self) -> FreeTextLocaliser:
        return FreeTextLocaliser(
            engine=self.translation_engine,
            session_factory=self.session_factory,
            glossary=self.glossary,
            policy=self.settings.translation.policy,
        )

    def close(self) -> None:
        if "_database" in self.__dict__:
            self.engine.dispose()
        close = getattr(self.__dict__.get("translation_engine"), "close", None)
        if close:
            close()
