"""pmsys: after-renovation management of old residential communities."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from pmsys.config import Config, config_for_environment
from pmsys.json_answers import OrjsonProvider

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type[Config] | None = None, overrides: dict | None = None) -> Flask:
    """Build the application; nothing connects or schedules until a request or command."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    config_class = config_class or config_for_environment()
    values = config_class.from_env(app.instance_path)
    values.update(overrides or {})
    config_class.validate(values, app.instance_path)
    app.config.update(values)
    app.session_interface = SessionInterface()
    # Answers keep the order their keys are written in, and Chinese as UTF-8, not \uXXXX.
    app.json = OrjsonProvider(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_COUNT"]:
        # Behind the HTTPS proxy the client's own address is the one to throttle.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)

    from pmsys.web.errors import register_error_handlers

    register_error_handlers(app)

    from pmsys import unit_of_work
    from pmsys.extensions import db

    # Last, so that it runs first of the after-request hooks (see unit_of_work.init_app).
    unit_of_work.init_app(app, lambda: db.session, before_end=_record_refusal)

    from pmsys.cli import register_cli
    from pmsys.jobs import fees as fee_jobs  # noqa: F401  (register the billing job)
    from pmsys.jobs import governance as governance_jobs  # noqa: F401  (votes, committee terms)
    from pmsys.jobs import tickets as jobs  # noqa: F401  (register the ticket jobs)

    register_cli(app)
    return app


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key.

    Flask builds it again for every request, with or without a cookie; the keys
    (SECRET_KEY and its fallbacks) are what it depends on, so it is rebuilt only when
    they change.
    """

    _built: tuple | None = None

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]


def _init_extensions(app: Flask) -> None:
    from pmsys import models  # noqa: F401  (complete the metadata)
    from pmsys.db import (
        binary_rows_when_asked,
        configure_sqlite,
        ping_when_idle,
        read_safe_requests_without_transaction,
    )
    from pmsys.extensions import babel, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        else:
            ping_when_idle(db.engine)
            read_safe_requests_without_transaction(db.engine)
            binary_rows_when_asked(db.engine)
        if app.testing:
            from pmsys.unit_of_work import refuse_writes_in_safe_requests

            refuse_writes_in_safe_requests(db.engine)

    from pmsys.web.auth.views import init_login

    init_login(app, login_manager)


def _register_blueprints(app: Flask) -> None:
    from pmsys.api import bp as api_bp
    from pmsys.extensions import csrf
    from pmsys.open311 import bp as open311_bp
    from pmsys.web.assets import bp as assets_bp
    from pmsys.web.auth.views import bp as auth_bp
    from pmsys.web.evaluation import bp as evaluation_bp
    from pmsys.web.fees import bp as fees_bp
    from pmsys.web.governance import bp as governance_bp
    from pmsys.web.integrations import bp as integrations_bp
    from pmsys.web.places.views import bp as places_bp
    from pmsys.web.surveys import bp as surveys_bp
    from pmsys.web.tickets import bp as tickets_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(places_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(tickets_bp)
    app.register_blueprint(fees_bp)
    app.register_blueprint(governance_bp)
    app.register_blueprint(integrations_bp)
    app.register_blueprint(surveys_bp)
    app.register_blueprint(evaluation_bp)
    # The API and Open311 authenticate with keys, never cookies, so CSRF cannot apply.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(open311_bp)
    app.register_blueprint(open311_bp)


def select_locale() -> str:
    """The request's language (docs/style.md#words): Chinese unless something says otherwise.

    In order: what this request set (the language switch answering, an API caller's
    account), the switch in the header for this browser session (the `lang`
    cookie), the language the user chose on their account page, the browser's
    Accept-Language, and Chinese.
    """
    languages = Config.LANGUAGES
    chosen = getattr(g, "locale_override", None)
    if chosen in languages:
        return chosen
    cookies = request.cookies if request else {}
    cookie = cookies.get("lang")
    if cookie in languages:
        return cookie
    # Without a cookie nobody is logged in (an API call): no need to ask Flask-Login.
    if cookies and current_user and getattr(current_user, "is_authenticated", False):
        if current_user.locale in languages:
            return current_user.locale
    if request:
        browser = browser_language(request.accept_languages, languages)
        if browser is not None:
            return browser
    return Config.BABEL_DEFAULT_LOCALE


def browser_language(accepted, languages) -> str | None:
    """The first of `languages` the browser accepts, by its preference (Accept-Language).

    A tag matches by its language: "zh-TW" and "zh" ask for zh_CN, "en-GB" for en.
    """
    for tag, _quality in accepted:  # the most preferred first
        asked = tag.replace("-", "_").lower().split("_")[0]
        for language in languages:
            if language.lower().split("_")[0] == asked:
                return language
    return None


def _personal() -> bool:
    """Whether this answer was made for a logged-in user or an authenticated API caller."""
    if g.get("api_user") is not None:
        return True
    user = g.get("_login_user")  # only when the request loaded its user (no extra query)
    # is_anonymous, not is_authenticated: the latter reads the row's `active`,
    # which the request's commit has expired, and would cost a SELECT.
    return bool(user is not None and not getattr(user, "is_anonymous", True))


def _actor():
    """Who made this request, as far as it was authenticated; None when nobody was."""
    user = g.get("api_user")
    if user is None:
        user = g.get("_login_user")
        if user is None or getattr(user, "is_anonymous", True):
            return None
    return user


def _record_refusal(session, response) -> None:
    """Audit a 403, or a 404 for an object that exists, whichever view answered it."""
    if response.status_code not in (403, 404):
        return
    from pmsys import audit  # the app package imports its domains when the app is built

    error = g.get("refusal")
    audit.refused_request(session, _actor(), status=response.status_code,
                          method=request.method, path=request.path,
                          code=getattr(error, "code", None), hidden=getattr(error, "hidden", None))


# docs/reliability.md#headers: what every answer carries unless its view says otherwise.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _register_hooks(app: Flask) -> None:
    from pmsys import categories

    @app.context_processor
    def _template_globals():
        return {"current_locale": select_locale(), "categories": categories}

    @app.teardown_request
    def _forget_request_state(_exc):
        # When an outer app context is shared by several requests (tests, CLI),
        # nothing about one request's user or language may leak into the next.
        # Flask-WTF caches the signed CSRF token in g.csrf_token, which would hand
        # one browser's token to the next. Flask-Babel 4 keeps the locale and its
        # catalogue in g._flask_babel.
        for key in ("_login_user", "api_user", "refusal", "locale_override", "babel_locale",
                    "babel_translations", "babel_tzinfo", "_flask_babel", "csrf_token"):
            g.pop(key, None)

    fixed = tuple(SECURITY_HEADERS.items())
    secure = ("Strict-Transport-Security", "max-age=31536000")
    no_store = ("Cache-Control", "no-store")

    @app.after_request
    def _security_headers(response):
        # docs/reliability.md#headers: no inline script, no framing, no sniffing. Each is
        # added unless the view set its own; the names present are read once (Headers looks
        # every name up by a walk over its list).
        headers = response.headers
        present = {key.lower() for key, _value in headers}
        wanted = [pair for pair in fixed if pair[0].lower() not in present]
        if app.config.get("SESSION_COOKIE_SECURE") and secure[0].lower() not in present:
            wanted.append(secure)
        if "cache-control" not in present and _personal():
            # What a logged-in user or an API caller reads is theirs: no cache keeps it.
            wanted.append(no_store)
        headers.extend(wanted)
        if response.mimetype == "text/html":
            # A page's words follow the browser's Accept-Language and the language cookie.
            response.vary.update(("Accept-Language", "Cookie"))
        return response
