"""Configuration read from the environment once, when the app is created."""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Settings shared by every environment; `from_env` reads the overrides."""

    ENV_NAME = "base"
    DEBUG = False
    TESTING = False
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    # No pool_pre_ping: a server connection is checked only after it idled (pmsys/db.py).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # Sessions and cookies (docs/reliability.md#cookies).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # Language: Chinese unless the user asks for English.
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    # API tokens and login throttling.
    API_TOKEN_TTL = timedelta(days=30)
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_CLIENT = 30
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    # Filing tickets and uploading photos, per login and per client address (docs/reliability.md):
    # (attempts, window). PMSYS_RATE_LIMITS=off switches them off (a load test, or a gateway
    # in front that limits already); failed logins are always throttled.
    RATE_LIMITS_ENABLED = True
    FILING_LIMIT_RESIDENT = (10, timedelta(minutes=10))
    FILING_LIMIT_STAFF = (200, timedelta(minutes=10))  # hotline staff enter call after call
    FILING_LIMIT_CLIENT = (60, timedelta(minutes=10))
    PHOTO_LIMIT_USER = (40, timedelta(minutes=10))
    PHOTO_LIMIT_CLIENT = (120, timedelta(minutes=10))
    # Reports without a login from a building's QR page: per phone number and per client.
    PUBLIC_REPORT_LIMIT_PHONE = (3, timedelta(days=1))
    PUBLIC_REPORT_LIMIT_CLIENT = (10, timedelta(hours=1))
    # Shown on a building's QR page when its street office has no phone on record: the
    # citizens' service hotline.
    CITY_HOTLINE = "12345"
    # Request size: photos are limited again one by one.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    UPLOAD_FOLDER: str | None = None
    # How many reverse proxies stand in front (X-Forwarded-For/Proto are trusted that deep).
    PROXY_COUNT = 0

    @classmethod
    def from_env(cls, instance_path: str) -> dict:
        """Return this class's settings with the environment's overrides applied."""
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        env = os.environ
        if env.get("SECRET_KEY"):
            values["SECRET_KEY"] = env["SECRET_KEY"]
        if env.get("DATABASE_URL"):
            values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
        if values["SQLALCHEMY_DATABASE_URI"] is None:
            values["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
                Path(instance_path) / "pmsys.db"
            )
        if "PMSYS_DEBUG" in env:
            values["DEBUG"] = _env_bool("PMSYS_DEBUG")
        # `flask --debug run` and FLASK_DEBUG=1 switch on the interactive debugger
        # without asking us, so they count as debug too (ProductionConfig refuses it).
        if _env_bool("FLASK_DEBUG"):
            values["DEBUG"] = True
        if "SESSION_COOKIE_SECURE" in env:
            secure = _env_bool("SESSION_COOKIE_SECURE")
            values["SESSION_COOKIE_SECURE"] = values["REMEMBER_COOKIE_SECURE"] = secure
        if env.get("UPLOAD_FOLDER"):
            values["UPLOAD_FOLDER"] = env["UPLOAD_FOLDER"]
        if env.get("PMSYS_PROXY_COUNT"):
            try:
                values["PROXY_COUNT"] = int(env["PMSYS_PROXY_COUNT"])
            except ValueError:
                raise ConfigError("PMSYS_PROXY_COUNT must be a whole number") from None
        if values["UPLOAD_FOLDER"] is None:
            values["UPLOAD_FOLDER"] = str(Path(instance_path) / "uploads")
        if "PMSYS_RATE_LIMITS" in env:
            values["RATE_LIMITS_ENABLED"] = env["PMSYS_RATE_LIMITS"].strip().lower() not in (
                "off", "0", "false", "no")
        return values

    @classmethod
    def validate(cls, values: dict, instance_path: str) -> None:
        """Fail fast on a configuration that cannot run; may fill in safe defaults."""


class DevelopmentConfig(Config):
    """Local use: `make run`. A secret key is generated once into the instance folder."""

    ENV_NAME = "development"

    @classmethod
    def validate(cls, values: dict, instance_path: str) -> None:
        if not values.get("SECRET_KEY"):
            values["SECRET_KEY"] = _instance_secret(Path(instance_path))


class ProductionConfig(Config):
    """Production: gunicorn behind HTTPS, PostgreSQL, one scheduler process."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def validate(cls, values: dict, instance_path: str) -> None:
        if not values.get("SECRET_KEY"):
            raise ConfigError("production needs SECRET_KEY in the environment")
        if len(values["SECRET_KEY"]) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long")
        if values.get("DEBUG"):
            raise ConfigError("production refuses to run with debug on (unset PMSYS_DEBUG)")


class TestConfig(Config):
    """The test suite: CSRF stays on, so the tests prove it."""

    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production-use-000"
    # Tests file many tickets as one login; tests/api/test_rate_limits.py turns the limits on.
    RATE_LIMITS_ENABLED = False

    @classmethod
    def from_env(cls, instance_path: str) -> dict:
        values = super().from_env(instance_path)
        values["SECRET_KEY"] = cls.SECRET_KEY
        values["RATE_LIMITS_ENABLED"] = cls.RATE_LIMITS_ENABLED
        values["DEBUG"] = False
        return values


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_for_environment() -> type[Config]:
    """Pick the config class named by PMSYS_ENV (development when unset)."""
    name = os.environ.get("PMSYS_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"PMSYS_ENV={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from None


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret(instance: Path) -> str:
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        # Written to a private temporary file, then linked into place: the key is
        # never readable by others, and when two processes start at once the
        # first link wins and both read the same key.
        fd, temporary = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(48))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    secret = path.read_text().strip()
    if not secret:
        raise ConfigError(f"{path} is empty: delete it to have a new secret key generated")
    return secret
