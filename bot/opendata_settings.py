"""The ``opendata:`` settings: who publishes the open data and whom a reader contacts about it, as the
metadata documents (``/opendata/<name>/metadata.json``) name them, and the licence's address."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Control characters (C0, DEL, C1) would break the JSON and CSV readers' displays and the data.gov.tw form.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()#-]{1,30}$")  # 1999, 07-336-8333, +886 7 336 8333 #1234
_HTTP_URL = re.compile(r"^https?://[^\s/]+\S*$")


class OpenDataSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    # The agency that publishes the datasets (提供機關), in English and in Chinese.
    publisher: str = Field(default="Kaohsiung City Government", min_length=1, max_length=200)
    publisher_zh: str = Field(default="高雄市政府", min_length=1, max_length=200)
    # Whom readers ask about the data (提供機關聯絡人): the city's information bureau and the 1999 hotline.
    contact_name: str = Field(default="Information Bureau, Kaohsiung City Government", min_length=1, max_length=200)
    contact_name_zh: str = Field(default="高雄市政府資訊局", min_length=1, max_length=200)
    contact_email: str | None = Field(default=None, max_length=254)  # None: the metadata names no address
    contact_phone: str = "1999"
    licence_url: str = "https://data.gov.tw/license"  # Open Government Data License, Taiwan v1.0

    @field_validator("publisher", "publisher_zh", "contact_name", "contact_name_zh", "contact_email", "contact_phone")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters (line breaks, tabs)")
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("not an e-mail address (write name@example.gov.tw)")
        return value

    @field_validator("contact_phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _PHONE.match(value):
            raise ValueError("not a telephone number (digits, spaces, -, ( ), # and a leading +, e.g. 07-336-8333)")
        return value

    @field_validator("licence_url")
    @classmethod
    def _licence_url(cls, value: str) -> str:
        if not _HTTP_URL.match(value):
            raise ValueError("must be an http(s) URL")
        return value
