"""Configuration fails fast on what cannot run safely (docs/reliability.md#headers)."""

from __future__ import annotations

import stat

import pytest

from pmsys import create_app
from pmsys.config import (
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    TestConfig,
    config_for_environment,
    normalise_database_url,
)

GOOD_SECRET = "k" * 20 + "0123456789abcdef"  # 36 characters
ENV_NAMES = (
    "SECRET_KEY",
    "DATABASE_URL",
    "PMSYS_DEBUG",
    "FLASK_DEBUG",
    "PMSYS_ENV",
    "SESSION_COOKIE_SECURE",
    "UPLOAD_FOLDER",
    "PMSYS_RATE_LIMITS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """Start every test from an environment that sets nothing, with a throwaway database."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///" + str(tmp_path / "config-test.db"))
    monkeypatch.setenv("UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return monkeypatch


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_refuses_a_short_secret_key(clean_env):
    clean_env.setenv("SECRET_KEY", "s" * 31)

    with pytest.raises(ConfigError, match="at least 32"):
        create_app(ProductionConfig)


@pytest.mark.parametrize("variable", ["PMSYS_DEBUG", "FLASK_DEBUG"])
def test_production_refuses_to_start_with_debug_on(clean_env, variable):
    clean_env.setenv("SECRET_KEY", GOOD_SECRET)
    clean_env.setenv(variable, "1")

    with pytest.raises(ConfigError, match="debug"):
        create_app(ProductionConfig)


def test_production_starts_with_a_good_key_and_secure_cookies(clean_env):
    clean_env.setenv("SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("PMSYS_DEBUG", "0")

    app = create_app(ProductionConfig)

    assert app.config["SECRET_KEY"] == GOOD_SECRET
    assert app.debug is False
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_remember_cookie_lifetime_is_set_not_flask_logins_year():
    values = ProductionConfig.from_env("/nonexistent")

    assert values["REMEMBER_COOKIE_DURATION"].days == 14
    assert values["PERMANENT_SESSION_LIFETIME"].total_seconds() <= 24 * 3600


def test_development_generates_a_private_secret_key_once_and_reuses_it(tmp_path):
    instance = tmp_path / "instance"
    first = DevelopmentConfig.from_env(str(instance))
    assert not first.get("SECRET_KEY")

    DevelopmentConfig.validate(first, str(instance))
    key_file = instance / "secret_key"
    assert len(first["SECRET_KEY"]) >= 32
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in instance.iterdir()] == ["secret_key"]  # no temporary left over

    second = DevelopmentConfig.from_env(str(instance))
    DevelopmentConfig.validate(second, str(instance))
    assert second["SECRET_KEY"] == first["SECRET_KEY"]


def test_development_keeps_a_secret_key_from_the_environment(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", GOOD_SECRET)
    values = DevelopmentConfig.from_env(str(tmp_path))

    DevelopmentConfig.validate(values, str(tmp_path))

    assert values["SECRET_KEY"] == GOOD_SECRET
    assert not (tmp_path / "secret_key").exists()


def test_development_refuses_an_empty_secret_key_file(tmp_path):
    (tmp_path / "secret_key").write_text("\n")
    values = DevelopmentConfig.from_env(str(tmp_path))

    with pytest.raises(ConfigError, match="empty"):
        DevelopmentConfig.validate(values, str(tmp_path))


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/pmsys", "postgresql+psycopg://u:p@db.example:5432/pmsys"),
        ("postgresql://u@localhost/pmsys", "postgresql+psycopg://u@localhost/pmsys"),
        ("postgresql+psycopg://u@localhost/pmsys", "postgresql+psycopg://u@localhost/pmsys"),
        ("sqlite:////var/lib/pmsys.db", "sqlite:////var/lib/pmsys.db"),
    ],
)
def test_database_url_is_normalised_to_psycopg(given, expected):
    assert normalise_database_url(given) == expected


def test_database_url_from_the_environment_is_normalised(clean_env):
    clean_env.setenv("DATABASE_URL", "postgres://pm:secret@10.0.0.5/pmsys")

    values = ProductionConfig.from_env("/nonexistent")

    assert values["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://pm:secret@10.0.0.5/pmsys"


def test_without_database_url_sqlite_lives_in_the_instance_folder(clean_env, tmp_path):
    clean_env.delenv("DATABASE_URL")

    values = DevelopmentConfig.from_env(str(tmp_path))

    assert values["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(tmp_path / "pmsys.db")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, DevelopmentConfig),
        ("development", DevelopmentConfig),
        ("production", ProductionConfig),
        ("test", TestConfig),
    ],
)
def test_pmsys_env_picks_the_config(clean_env, name, expected):
    if name is not None:
        clean_env.setenv("PMSYS_ENV", name)

    assert config_for_environment() is expected


@pytest.mark.parametrize("name", ["prod", "Production", "staging", ""])
def test_unknown_pmsys_env_is_refused(clean_env, name):
    clean_env.setenv("PMSYS_ENV", name)

    with pytest.raises(ConfigError, match="PMSYS_ENV"):
        config_for_environment()
    with pytest.raises(ConfigError, match="PMSYS_ENV"):
        create_app()


def test_test_config_keeps_csrf_on_and_debug_off(clean_env):
    clean_env.setenv("PMSYS_DEBUG", "1")

    values = TestConfig.from_env("/nonexistent")

    assert values["DEBUG"] is False
    assert values.get("WTF_CSRF_ENABLED", True) is True
    assert values["SECRET_KEY"] == TestConfig.SECRET_KEY


def test_proxy_count_trusts_forwarded_client_address(monkeypatch, tmp_path):
    from pmsys import create_app
    from pmsys.config import TestConfig

    monkeypatch.setenv("PMSYS_PROXY_COUNT", "1")
    app = create_app(TestConfig, overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})

    @app.get("/whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_proxy_count_must_be_a_number(monkeypatch, tmp_path):
    import pytest

    from pmsys.config import ConfigError, TestConfig

    monkeypatch.setenv("PMSYS_PROXY_COUNT", "two")
    with pytest.raises(ConfigError):
        TestConfig.from_env(str(tmp_path))


@pytest.mark.parametrize(("given", "enabled"), [(None, True), ("off", False), ("0", False),
                                                ("on", True), ("1", True)])
def test_rate_limits_are_on_unless_switched_off(clean_env, given, enabled):
    clean_env.setenv("SECRET_KEY", GOOD_SECRET)
    if given is not None:
        clean_env.setenv("PMSYS_RATE_LIMITS", given)

    assert ProductionConfig.from_env("/nonexistent")["RATE_LIMITS_ENABLED"] is enabled
