"""Build the one frozen Settings object from the process environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

# Names other tools rely on: keep them exactly.
DATABASE_URL = "DATABASE_URL"
REDIS_URL = "REDIS_URL"
HANDSOFF_HOME = "HANDSOFF_HOME"
WEBHOOK_TOKEN = "WEBHOOK_TOKEN"  # noqa: S105 - the variable's name, not a secret
AT_USERNAME = "AT_USERNAME"
AT_API_KEY = "AT_API_KEY"
AT_SENDER_ID = "AT_SENDER_ID"
AT_API_BASE_URL = "AT_API_BASE_URL"
HANDSOFF_SMS = "HANDSOFF_SMS"  # "log" or "africastalking"; unset: the aggregator in production
SMS_LOG = "log"
SMS_AGGREGATOR = "africastalking"
# "1": a TLS-terminating proxy on the same host stands in front of the desk; trust its
# X-Forwarded-Proto. Without it a production desk refuses plain HTTP.
HANDSOFF_TLS_PROXY = "HANDSOFF_TLS_PROXY"
# "1": a fresh TCP (and TLS) connection per SMS, as the SDK does alone; the bench compares both.
AT_NO_KEEPALIVE = "AT_NO_KEEPALIVE"
# How many waiting officers' messages a send job claims at a time after its own (1: none, one
# message per job, as the bench compares). docs/design-notes.md, "One send job delivers a wave".
HANDSOFF_SMS_BATCH = "HANDSOFF_SMS_BATCH"
SMS_BATCH_DEFAULT = 25
SMS_BATCH_MAX = 200

MIN_TOKEN_LENGTH = 32


class ConfigError(Exception):
    """The environment does not describe a service that may start."""


@dataclass(frozen=True)
class Limits:
    """Tunable numbers of the USSD service, in one place."""

    session_ttl_seconds: int = 300
    resume_window_seconds: int = 600
    sessions_per_hour: int = 12
    reports_per_hour: int = 4
    status_misses_before_lock: int = 5
    # A day: 5 guesses a day at a 4-digit PIN take years; 30 minutes would take about 6 weeks.
    status_lock_seconds: int = 86400
    pseudonym_period_seconds: int = 86400
    max_text_length: int = 2000


@dataclass(frozen=True)
class Settings:
    """Everything a process needs to know about where it runs and what it may hold."""

    home: Path
    database_url: str
    redis_url: str | None
    webhook_token: str | None
    at_username: str | None
    at_api_key: str | None
    at_sender_id: str | None
    at_api_base_url: str | None
    sms_choice: str | None = None
    limits: Limits = field(default_factory=Limits)
    tls_proxy: bool = False
    at_keep_alive: bool = True
    sms_batch: int = SMS_BATCH_DEFAULT

    @property
    def embedded(self) -> bool:
        """True when nothing outside the instance folder is configured."""
        return self.redis_url is None and not self.database_url.startswith("postgresql")

    @property
    def keys_dir(self) -> Path:
        return self.home / "keys"

    @property
    def sms_outbox_log(self) -> Path:
        return self.home / "sms-outbox.log"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, serves_callbacks: bool = True) -> Settings:
        """Read the environment once; refuse production settings that lack a secret.

        Only a process that answers the aggregator's callbacks needs the webhook token; the
        worker and the admin commands are not given it (least privilege).
        """
        home = Path(_get(environ, HANDSOFF_HOME) or "./instance").resolve()
        database_url = _get(environ, DATABASE_URL) or f"sqlite:///{home / 'handsoff.db'}"
        settings = cls(
            home=home,
            database_url=_normalise_database_url(database_url),
            redis_url=_get(environ, REDIS_URL),
            webhook_token=_get(environ, WEBHOOK_TOKEN),
            at_username=_get(environ, AT_USERNAME),
            at_api_key=_get(environ, AT_API_KEY),
            at_sender_id=_get(environ, AT_SENDER_ID),
            at_api_base_url=_get(environ, AT_API_BASE_URL),
            sms_choice=_get(environ, HANDSOFF_SMS),
            tls_proxy=_flag(environ, HANDSOFF_TLS_PROXY),
            at_keep_alive=not _flag(environ, AT_NO_KEEPALIVE),
            sms_batch=_count(environ, HANDSOFF_SMS_BATCH, SMS_BATCH_DEFAULT, SMS_BATCH_MAX),
        )
        settings.check(serves_callbacks=serves_callbacks)
        return settings

    def check(self, *, serves_callbacks: bool = True) -> None:
        """Stop the start with a clear message when production settings are incomplete."""
        self._check_sms()
        if self.embedded:
            return
        if bool(self.at_username) != bool(self.at_api_key):
            raise ConfigError(f"Set both {AT_USERNAME} and {AT_API_KEY}, or neither.")
        if not serves_callbacks:
            return
        if not self.webhook_token:
            raise ConfigError(
                f"{WEBHOOK_TOKEN} is not set. A service with {DATABASE_URL} or {REDIS_URL} "
                "configured is a production service: its callbacks must be protected by a long "
                "random token (python -c 'import secrets; print(secrets.token_urlsafe(32))')."
            )
        if len(self.webhook_token) < MIN_TOKEN_LENGTH:
            raise ConfigError(f"{WEBHOOK_TOKEN} must be at least {MIN_TOKEN_LENGTH} characters.")

    @property
    def sms_configured(self) -> bool:
        return bool(self.at_username and self.at_api_key)

    def sms_gateway(self) -> str:
        """Where the worker sends SMS: SMS_AGGREGATOR or SMS_LOG (the local outbox log).

        The log is for the embedded default or when chosen with HANDSOFF_SMS=log: a production
        worker without credentials must not look as if it were texting officers.
        """
        if self.sms_choice == SMS_LOG:
            return SMS_LOG
        if self.sms_configured:
            return SMS_AGGREGATOR
        if self.sms_choice is None and self.embedded:
            return SMS_LOG
        raise ConfigError(
            f"No SMS can be sent: set {AT_USERNAME} and {AT_API_KEY} (Africa's Talking), or "
            f"{HANDSOFF_SMS}={SMS_LOG} to write outbound SMS to the local log "
            f"{self.sms_outbox_log} instead (nobody will receive them)."
        )

    def _check_sms(self) -> None:
        if self.sms_choice not in (None, SMS_LOG, SMS_AGGREGATOR):
            raise ConfigError(f"{HANDSOFF_SMS} must be {SMS_LOG!r} or {SMS_AGGREGATOR!r}.")
        if self.sms_choice == SMS_AGGREGATOR and not self.sms_configured:
            raise ConfigError(
                f"{HANDSOFF_SMS}={SMS_AGGREGATOR} needs {AT_USERNAME} and {AT_API_KEY}."
            )
        if self.at_api_base_url and not _https_or_loopback(self.at_api_base_url):
            raise ConfigError(
                f"{AT_API_BASE_URL} must be an https:// URL (plain http only on a loopback "
                "address): the API key and every recipient's number travel in each request."
            )


def _get(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _https_or_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    if parts.scheme != "http" or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def _flag(environ: Mapping[str, str], name: str) -> bool:
    value = _get(environ, name)
    if value in (None, "0"):
        return False
    if value == "1":
        return True
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}.")


def _count(environ: Mapping[str, str], name: str, default: int, most: int) -> int:
    value = _get(environ, name)
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise ConfigError(f"{name} must be a whole number from 1 to {most}, not {value!r}.")
    return int(value)


def _normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs (Heroku-style names included)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
