"""Settings: config.yaml, ${ENV_VAR} interpolation, validation; read once and passed in.

Only ``bot/`` reads configuration and the environment. ``load_settings`` is
called by the CLI (or a test) and the result handed to every object it builds. The two largest
sections have modules of their own: ``bot.channel_settings`` (channels) and ``bot.ingest.settings`` (cap.ingest);
``bot.petition_settings`` holds the petitions' agencies and processing limits, ``bot.opendata_settings`` the open
data's publisher and contact.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.channel_settings import ChannelsSettings
from bot.ingest.settings import CapIngestSettings
from bot.opendata_settings import OpenDataSettings
from bot.petition_settings import PetitionSettings
from messages.i18n import LANGUAGES, get_language
from messages.translate import FailurePolicy

CONFIG_ENV = "CIVICAST_CONFIG"
DATABASE_ENV = "DATABASE_URL"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# What an installed wheel reads when neither $CIVICAST_CONFIG nor ./config.yaml names a file: the checkout's
# config.yaml, carried inside the package (setup.py puts it there). Its relative paths lead under the current directory.
PACKAGED_CONFIG = Path(__file__).resolve().parent / "data" / "config.yaml"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file, the key and the problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = "sqlite:///var/civicast.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            make_url(value).get_dialect()
        except (ArgumentError, NoSuchModuleError, ValueError):
            # The URL may hold a password: the message shows its form, never the URL itself.
            raise ValueError(
                "not a database URL: write dialect+driver://user:password@host/name, e.g. "
                "postgresql+psycopg://civicast@localhost/civicast or sqlite:///var/civicast.db"
            ) from None
        return value


class TranslationSettings(_Section):
    engine: Literal["google", "deepl", "microsoft", "libre", "none"] = "google"
    api_key: str | None = None
    base_url: str | None = None
    region: str | None = None
    timeout_s: float = Field(default=8.0, gt=0, le=120)
    policy: FailurePolicy = FailurePolicy.FALLBACK

    @model_validator(mode="after")
    def _key_for_keyed_engines(self) -> TranslationSettings:
        if self.engine in ("deepl", "microsoft", "libre") and not self.api_key:
            raise ValueError(f"the {self.engine} engine needs api_key (set TRANSLATION_API_KEY)")
        return self


class CapSettings(_Section):
    sender: str = Field(default="kcg.gov.tw", min_length=1)
    ingest: CapIngestSettings = CapIngestSettings()


class SchedulerSettings(_Section):
    # How late a scheduled notice may still go out after the scheduler was down. APScheduler's own
    # default, one second, silently drops a job that is a second late: civicast never uses it.
    misfire_grace_s: float = Field(default=600.0, ge=1)
    poll_s: float = Field(default=5.0, gt=0, le=60)
    # A live notice may recur at most this often: residents should not hear the same warning every few minutes.
    live_min_interval_minutes: int = Field(default=60, ge=1, le=10080)


class WorkerSettingsModel(_Section):
    lease_s: float = Field(default=60.0, ge=1)
    claim_batch: int = Field(default=10, ge=1, le=500)
    poll_s: float = Field(default=0.5, gt=0, le=30)
    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_s: float = Field(default=2.0, gt=0)
    backoff_max_s: float = Field(default=300.0, gt=0)
    # This process's share of each channel's rate: with N worker processes, give each 1/N.
    rate_share: float = Field(default=1.0, gt=0, le=1)
    max_threads_per_channel: int = Field(default=6, ge=1, le=64)
    record_interval_s: float = Field(default=0.1, gt=0, le=5)


class WebhookSettings(_Section):
    # True: the web process answers the events it stores (civicast serve: one process does it all).
    # False: it only stores them and `civicast webhook-worker` answers them (several web processes
    # under gunicorn keep their CPU for answering LINE quickly).
    handle_in_web: bool = True
    threads: int = Field(default=8, ge=1, le=64)
    poll_s: float = Field(default=0.2, gt=0, le=30)
    keep_events_days: int = Field(default=30, ge=2, le=3650)  # stored events are deleted after this


class ApiSettings(_Section):
    requests_per_minute: int = Field(default=300, ge=1, le=1_000_000)  # per API key and web process


class ConsoleSettings(_Section):
    # Signs the officers' session cookies. Unset: a random key is generated once and kept in
    # var/console-secret-key beside the configuration (sandbox mode only; live mode needs it set).
    secret_key: str | None = Field(default=None, min_length=32)
    secure_cookies: bool | None = None  # None: secure when public_base_url is https
    session_hours: float = Field(default=8.0, gt=0, le=24 * 7)
    ui_language: Literal["zh-Hant", "en"] = "zh-Hant"


class WebSettings(_Section):
    # Reverse proxies in front of the web application that add the client's address to X-Forwarded-For.
    # 0: the header is ignored (anyone could write it); the peer's address is the client's.
    trusted_proxy_hops: int = Field(default=0, ge=0, le=10)
    # Where `civicast serve` listens (--host and --port override), and its gunicorn processes.
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    # The production server: gunicorn (processes × threads), or waitress (one process, threads) where gunicorn
    # cannot run (Windows); auto picks gunicorn when it can run here.
    server: Literal["auto", "gunicorn", "waitress"] = "auto"
    # The scheduler and the delivery workers run inside the one web process (the embedded default). None:
    # embedded on SQLite; on PostgreSQL they run as `civicast scheduler` and `civicast worker` processes.
    embedded: bool | None = None
    workers: int | None = Field(default=None, ge=1, le=64)  # None: 1 embedded, else one per core
    threads: int = Field(default=8, ge=1, le=256)  # requests each web process serves at once
    timeout_s: float = Field(default=60.0, ge=5, le=3600)  # a request still running after this restarts its process
    graceful_timeout_s: float = Field(default=30.0, ge=1, le=600)  # SIGTERM: time to finish and release claims


class MetricsSettings(_Section):
    # /metrics answers anyone unless restricted: to these addresses or networks, and/or to this bearer token.
    allow_from: tuple[str, ...] = ()
    bearer_token: str | None = Field(default=None, min_length=16)

    @field_validator("allow_from")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for network in value:
            ipaddress.ip_network(network, strict=False)  # ValueError names the bad entry
        return value


class LoggingSettings(_Section):
    format: Literal["text", "json"] = "text"  # json: one object per line, with notice, delivery and request ids
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Settings(_Section):
    database: DatabaseSettings = DatabaseSettings()
    public_base_url: str = "http://127.0.0.1:8000"
    default_language: str = "zh-Hant"
    languages: tuple[str, ...] = tuple(LANGUAGES)
    translation: TranslationSettings = TranslationSettings()
    cap: CapSettings = CapSettings()
    channels: ChannelsSettings = ChannelsSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    workers: WorkerSettingsModel = WorkerSettingsModel()
    webhooks: WebhookSettings = WebhookSettings()
    console: ConsoleSettings = ConsoleSettings()
    api: ApiSettings = ApiSettings()
    web: WebSettings = WebSettings()
    metrics: MetricsSettings = MetricsSettings()
    logging: LoggingSettings = LoggingSettings()
    petitions: PetitionSettings = PetitionSettings()
    opendata: OpenDataSettings = OpenDataSettings()
    config_file: Path | None = None
    base_dir: Path | None = None  # where relative paths lead: the SQLite file, var/

    @model_validator(mode="after")
    def _live_needs_a_console_key(self) -> Settings:
        if self.channels.mode == "live" and not self.console.secret_key:
            raise ValueError("live mode needs console.secret_key (set CIVICAST_SECRET_KEY, 32 characters or more)")
        return self

    @model_validator(mode="after")
    def _embedded_is_one_process(self) -> Settings:
        if self.embedded and (self.web.workers or 1) > 1:
            raise ValueError(
                "web.workers: the embedded default runs one web process, with the scheduler and "
                "workers inside it; for more, use PostgreSQL (or set web.embedded: false) and run "
                "civicast scheduler and civicast worker beside them"
            )
        return self

    @property
    def embedded(self) -> bool:
        """Whether `civicast serve` runs the scheduler and the delivery workers in its own process."""
        if self.web.embedded is not None:
            return self.web.embedded
        return self.database.url.startswith("sqlite")

    @property
    def web_workers(self) -> int:
        return self.web.workers or (1 if self.embedded else os.cpu_count() or 1)

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        return get_language(value).code

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one language")
        return tuple(dict.fromkeys(get_language(code).code for code in value))

    @field_validator("public_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value.rstrip("/")


def _interpolate(value: Any, environ: Mapping[str, str], where: str) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, environ, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, environ, f"{where}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ and environ[name] != "":
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{where}: environment variable {name} is not set")

    replaced = _ENV_REF.sub(replace, value)
    return None if replaced == "" and _ENV_REF.fullmatch(value) else replaced


def _problem(err: Any, *, database_from_environment: bool) -> str:
    """One validation error as `key: what is wrong (got value)`; a database URL is never echoed (its password)."""
    key = ".".join(str(p) for p in err["loc"])
    if key == "database.url":
        message = err["msg"].removeprefix("Value error, ")
        return f"{DATABASE_ENV if database_from_environment else key}: {message}"
    shown = "" if isinstance(err.get("input"), (dict, list)) else f" (got {err['input']!r})"
    return f"{key}: {err['msg']}{shown}"


def _resolve_sqlite(url: str, base: Path) -> str:
    """Relative SQLite paths are relative to ``base`` (see base_dir_of); their folder is created."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url in ("sqlite:///:memory:",) or url.startswith("sqlite:////"):
        return url
    path = (base / url[len(prefix) :]).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"{prefix}{path}"


def default_config_path(environ: Mapping[str, str]) -> Path:
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    local = Path.cwd() / "config.yaml"
    if local.exists():
        return local
    return PACKAGED_CONFIG if PACKAGED_CONFIG.exists() else PROJECT_ROOT / "config.yaml"


def base_dir_of(config_path: Path) -> Path:
    """Relative paths lead next to the configuration file, or under the current directory for the packaged one."""
    resolved = config_path.resolve()
    return Path.cwd() if resolved == PACKAGED_CONFIG else resolved.parent


def load_settings(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read, interpolate and validate the configuration. Raises ConfigError naming what is wrong."""
    environ = os.environ if environ is None else environ
    config_path = Path(path) if path else default_config_path(environ)
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: configuration file not found (set {CONFIG_ENV} to choose one)") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{config_path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_path}: the top level must be a mapping of settings")
    try:
        data = _interpolate(raw, environ, "")
    except ConfigError as exc:
        raise ConfigError(f"{config_path}: {exc}") from None
    from_environment = bool(environ.get(DATABASE_ENV))
    if from_environment:
        data.setdefault("database", {})
        data["database"] = {**(data["database"] or {}), "url": environ[DATABASE_ENV]}
    base_dir = base_dir_of(config_path)
    try:
        settings = Settings.model_validate({**data, "config_file": config_path.resolve(), "base_dir": base_dir})
    except ValidationError as exc:
        problems = "; ".join(_problem(err, database_from_environment=from_environment) for err in exc.errors())
        where = "" if problems.startswith(DATABASE_ENV) else f"{config_path}: "
        raise ConfigError(f"{where}{problems}") from None
    database = settings.database.model_copy(update={"url": _resolve_sqlite(settings.database.url, base_dir)})
    return settings.model_copy(update={"database": database})
