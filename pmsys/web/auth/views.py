"""Log in, log out, choose the language, change the password."""

from __future__ import annotations

import hmac
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select

from pmsys.auth import services
from pmsys.auth.queries import USER_COLUMNS, joined_user, user_of
from pmsys.errors import DomainError, TooManyRequests
from pmsys.extensions import db
from pmsys.models.auth import User
from pmsys.web.auth.forms import LanguageForm, LoginForm, PasswordForm

bp = Blueprint("auth", __name__)


# Built once: every page of a logged-in user runs it.
_USER_BY_ID = joined_user(select(*USER_COLUMNS).select_from(User)).where(
    User.id == bindparam("user_id"))


def init_login(app, login_manager) -> None:
    """Bind Flask-Login: strong session protection, our user loader, our login page."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def _load_user(ident: str):
        user_id, _, token = ident.partition(":")
        if not user_id.isdigit() or not token:
            return None
        # One statement: the user with the organisation and person every page reads.
        found = db.session.connection().execute(_USER_BY_ID, {"user_id": int(user_id)}).first()
        if found is None:
            return None
        user = user_of(db.session, found)
        if not user.active:
            return None
        if not hmac.compare_digest(user.session_token, token):
            return None
        return user


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (docs/reliability.md#next).

    The target is checked as given and again after undoing percent-encoding,
    because a proxy or a second redirect may decode `/%2F%2Fevil` into `//evil`.
    """
    if not target:
        return None
    seen = target
    for _round in range(3):
        if not _is_local_path(seen):
            return None
        decoded = unquote(seen)
        if decoded == seen:
            return target
        seen = decoded
    return None  # still encoded after three rounds: nobody writes links like that


def _is_local_path(target: str) -> bool:
    # Browsers drop tabs and newlines and read "\\" as "/", so "/\tevil" and
    # "/\\evil" would both leave the site; refuse them rather than clean them.
    if not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc)


def _login_limits():
    config = current_app.config
    return (
        config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
        config["LOGIN_MAX_FAILURES_PER_CLIENT"],
        config["LOGIN_FAILURE_WINDOW"],
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login page; `next` is followed only when it stays on this site."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("places.home"))
    form = LoginForm()
    status, retry_after = 200, None
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                db.session,
                form.username.data,
                form.password.data,
                client=request.remote_addr,
                limits=_login_limits(),
            )
        except TooManyRequests as throttled:
            window = current_app.config["LOGIN_FAILURE_WINDOW"]
            flash(
                _("Too many failed attempts. Please wait %(minutes)d minutes and try again.",
                  minutes=window.total_seconds() // 60),
                "error",
            )
            status = 429
            retry_after = throttled.retry_after
        except DomainError:
            flash(_("Wrong username or password."), "error")
            status = 401
        else:
            login_user(user, remember=form.remember.data)
            return redirect(next_url or url_for("places.home"))
    elif request.method == "POST":
        status = 400
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return render_template("auth/login.html", form=form, next=next_url), status, headers


@bp.post("/logout")
@login_required
def logout():
    """End this session: copies of its cookies stop working too
    (docs/reliability.md#session-end)."""
    services.log_out(db.session, current_user._get_current_object())
    logout_user()
    flash(_("You have logged out."), "info")
    return _forget_language_switch(redirect(url_for("auth.login")))


@bp.post("/language/<code>")
def set_language(code: str):
    """Switch the interface language for this browser session; the account keeps its choice.

    The switch lasts until the browser closes or the user logs out; a language
    that should stay is chosen on the account page (docs/style.md#words).
    """
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    g.locale_override = code
    target = safe_next(request.form.get("next")) or url_for("places.home")
    response = make_response(redirect(target))
    response.set_cookie(
        "lang", code, httponly=True, samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _forget_language_switch(response):
    """Drop this browser session's language switch (the account's choice or the browser's rules)."""
    response.delete_cookie("lang", httponly=True, samesite="Lax",
                           secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def _account_page(form, language_form, status=200):
    return render_template("auth/account.html", form=form,
                           language_form=language_form), status


def _language_form(user, formdata=None) -> LanguageForm:
    form = LanguageForm(formdata=formdata)
    if formdata is None:
        form.language.data = user.locale or ""
    return form


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Change the password; every other session and API token ends."""
    form = PasswordForm()
    user = current_user._get_current_object()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(
                db.session, user, form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            target = form.current_password if "current_password" in error.fields else (
                form.new_password
            )
            message = error.message if error.code == "weak_password" else _(
                "The current password is wrong."
            )
            target.errors = [*target.errors, message]
            status = 400
        else:
            # This session continues under the new login generation, and so does
            # "keep me logged in" when this browser had chosen it.
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(user, remember=remember_cookie in request.cookies)
            flash(_("Your password has been changed. Other sessions have been logged out."),
                  "info")
            return redirect(url_for("auth.account"))
    elif request.method == "POST":
        status = 400
    return _account_page(form, _language_form(user), status)


@bp.post("/account/language")
@login_required
def account_language():
    """Choose the account's language, or let the browser decide (an empty choice)."""
    user = current_user._get_current_object()
    form = _language_form(user, request.form)
    if not form.validate_on_submit():
        flash(_("Please correct the form."), "error")
        return _account_page(PasswordForm(formdata=None), form, 400)
    services.choose_language(db.session, user, form.language.data or None)
    flash(_("Your language is saved."), "info")
    # The choice shows at once: this browser's earlier switch no longer overrides it.
    return _forget_language_switch(redirect(url_for("auth.account")))
