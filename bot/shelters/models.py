"""The shelters table: one row per shelter of the national list (避難收容處所點位檔) in Kaohsiung."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime

from sqlalchemy import Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from messages.db import Base, utcnow

# What a shelter is suitable for, as civicast names it; the list's 適用災害類別 values map onto these.
HAZARDS = ("flood", "earthquake", "debris_flow", "tsunami", "nuclear")


def _folded(text: str) -> str:
    """NFKC, 臺 for 台 and no whitespace: releases differ in full-width digits, spaces and the two 臺."""
    return "".join(unicodedata.normalize("NFKC", text).replace("台", "臺").split())


def identity_of(county: str, district: str, name: str, address: str) -> str:
    """A shelter's stable identity across releases. The list's 序號 is renumbered in each release, so a shelter is
    known by where and what it is: county, district, name and address (folded, so spacing changes are the same
    shelter). A shelter that moves or is renamed is a new shelter; the old one is then no longer listed."""
    folded = "\x1f".join(_folded(part) for part in (county, district, name, address))
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def folded_name(name: str) -> str:
    return _folded(name)


class Shelter(Base):
    __tablename__ = "shelters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identity: Mapped[str] = mapped_column(String(64), unique=True)  # identity_of(county, town, name, address)
    serial: Mapped[str | None] = mapped_column(String(16), default=None)  # 序號 in the last release read
    county: Mapped[str] = mapped_column(String(8))  # 高雄市
    town: Mapped[str] = mapped_column(String(16))  # 旗山區, as the list writes it
    district: Mapped[str] = mapped_column(String(32), index=True)  # the glossary's district key
    village: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)  # folded_name(name): notices name shelters
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    villages_served: Mapped[str] = mapped_column(Text, default="")  # 預計收容村里, as written
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)  # None: missing or implausible in the list
    hazards: Mapped[list[str]] = mapped_column(default=list)  # HAZARDS values
    indoor: Mapped[bool | None] = mapped_column(Boolean, default=None)
    outdoor: Mapped[bool | None] = mapped_column(Boolean, default=None)
    vulnerable_ok: Mapped[bool | None] = mapped_column(Boolean, default=None)  # 適合避難弱者安置
    # Personal data (管理人): officers may read it; nothing published or sent to residents ever includes it.
    manager_name: Mapped[str | None] = mapped_column(String(120), default=None)
    manager_phone: Mapped[str | None] = mapped_column(String(64), default=None)
    # Set when an import no longer lists the shelter; cleared if a later import lists it again. Never suggested.
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    # What an officer last said (the console or `civicast shelters open/close`). A live shelter_open notice sent
    # after that also opens it: the later of the two facts wins (bot.shelters.state).
    open: Mapped[bool] = mapped_column(Boolean, default=False)
    open_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    open_changed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
