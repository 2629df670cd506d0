"""Service settings, read once from the environment; the HTTP service (serve/http) and the commands
that open the review store (serve/store) read them. Policy limits and defaults live in
corpus/settings.py ("service and batch policy").

POSTWACHT_DATABASE_URL              default sqlite:///<var>/postwacht.db (WAL); postgresql://… works too
POSTWACHT_REVIEW_RETENTION_DAYS     reviews older than this are purged (start-up, `postwacht reviews purge`);
                                    default 365, 0 keeps reviews for ever
POSTWACHT_REQUIRE_TOKEN_FOR_SCORING true / false / auto (default: required unless bound to loopback;
                                    on a loopback bind, required for requests relayed by a reverse
                                    proxy, i.e. with X-Forwarded-For, Forwarded or X-Real-IP, or from
                                    another address). Behind a reverse proxy set it to true
                                    (docs/deploy.md).
POSTWACHT_ADMIN_TOKEN               enables /v1/admin/* for a bearer with exactly this value
POSTWACHT_CORS_ORIGINS              comma-separated origins allowed by CORS (default: none, CORS off)
POSTWACHT_MODEL_CHECK_SECONDS       how often the service checks the models/ACTIVE pointer and loads a
                                    promoted or rolled-back model (default 10; 0 turns the check off;
                                    Settings built in code, as in tests, do not check unless asked)
"""

from __future__ import annotations

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from corpus.settings import (
    MAX_BATCH_ITEMS,
    MAX_CHARS_HTTP,
    MAX_CHARS_HTTP_BATCH_ITEM,
    MAX_CHARS_HTTP_BATCH_TOTAL,
    REVIEW_RETENTION_DAYS,
    SERVICE_MODEL_CHECK_SECONDS,
    var_dir,
)


class ConfigError(ValueError):
    """An environment variable with a value we cannot use."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _parse_bool(name: str, value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("", "auto"):
        return None
    if v in ("1", "true", "yes", "on", "ja"):
        return True
    if v in ("0", "false", "no", "off", "nee"):
        return False
    raise ConfigError(f"{name} must be true, false or auto, not {value!r}")


def normalize_database_url(url: str) -> str:
    """postgresql:// means the psycopg 3 driver (the one we install), not psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'postwacht.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    review_retention_days: int = REVIEW_RETENTION_DAYS
    require_token_for_scoring: bool = False
    # auto mode on a loopback bind: scoring is open to this machine, a proxied request needs a token
    token_for_proxied_scoring: bool = False
    admin_token: str | None = None
    cors_origins: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    max_text_chars: int = MAX_CHARS_HTTP
    max_batch_text_chars: int = MAX_CHARS_HTTP_BATCH_ITEM
    max_batch_items: int = MAX_BATCH_ITEMS
    max_batch_total_chars: int = MAX_CHARS_HTTP_BATCH_TOTAL
    model_check_seconds: float = 0.0

    @classmethod
    def from_env(cls, host: str = "127.0.0.1", environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        url = env.get("POSTWACHT_DATABASE_URL") or default_database_url()
        days_raw = env.get("POSTWACHT_REVIEW_RETENTION_DAYS", "").strip()
        try:
            days = int(days_raw) if days_raw else REVIEW_RETENTION_DAYS
        except ValueError as exc:
            raise ConfigError(f"POSTWACHT_REVIEW_RETENTION_DAYS must be a whole number, not {days_raw!r}") from exc
        if days < 0:
            raise ConfigError("POSTWACHT_REVIEW_RETENTION_DAYS must be 0 (keep) or more")
        require = _parse_bool("POSTWACHT_REQUIRE_TOKEN_FOR_SCORING",
                              env.get("POSTWACHT_REQUIRE_TOKEN_FOR_SCORING", ""))
        origins = tuple(o.strip() for o in env.get("POSTWACHT_CORS_ORIGINS", "").split(",") if o.strip())
        check_raw = env.get("POSTWACHT_MODEL_CHECK_SECONDS", "").strip()
        try:
            check = float(check_raw) if check_raw else SERVICE_MODEL_CHECK_SECONDS
        except ValueError as exc:
            raise ConfigError(f"POSTWACHT_MODEL_CHECK_SECONDS must be a number, not {check_raw!r}") from exc
        if not math.isfinite(check) or check < 0:
            raise ConfigError("POSTWACHT_MODEL_CHECK_SECONDS must be 0 (off) or more")
        return cls(
            database_url=normalize_database_url(url),
            review_retention_days=days,
            # Scoring is open only to this machine unless the installer says otherwise.
            require_token_for_scoring=(not is_loopback(host)) if require is None else require,
            token_for_proxied_scoring=require is None and is_loopback(host),
            admin_token=env.get("POSTWACHT_ADMIN_TOKEN") or None,
            cors_origins=origins,
            host=host,
            model_check_seconds=check,
        )
