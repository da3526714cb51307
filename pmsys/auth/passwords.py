"""Password hashing and the password policy (docs/reliability.md#passwords)."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 256  # long passphrases are welcome; this only bounds the hashing work
MIN_USERNAME_IN_PASSWORD = 3

# Passwords seen most often in leaked lists, plus the obvious local ones.
COMMON_PASSWORDS = frozenset(
    """
    123456 123456789 12345678 1234567890 111111 000000 123123 654321 666666 888888
    password password1 password123 qwerty qwerty123 qwertyuiop 1q2w3e4r 1qaz2wsx
    abc123 abcd1234 a123456 iloveyou admin admin123 administrator welcome letmein
    monkey dragon sunshine princess football baseball superman trustno1 passw0rd
    woaini woaini1314 5201314 1314520 aaaaaaaa 11111111 00000000 12341234 88888888
    zxcvbnm asdfghjkl qazwsxedc 147258369 123321 112233 121212 987654321 0123456789
    changeme changeme123 pmsys pmsys123 wuye123456 zhuye123456
    """.split()
)


def has_control_characters(text: str) -> bool:
    """Whether `text` holds a control character or a lone surrogate (never typed on purpose)."""
    return any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text)


def hash_password(password: str) -> str:
    """Hash with scrypt (Werkzeug's default method, salted)."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its stored hash, in constant time."""
    if not password_hash or len(password) > MAX_LENGTH:
        return False
    try:
        return check_password_hash(password_hash, password)
    except ValueError:
        # An unknown hash method, or a password no UTF-8 can encode (a lone
        # surrogate from JSON): neither can match, and neither may become a 500.
        return False


def password_problem(password: str, username: str = "") -> str | None:
    """Return why a new password is refused, or None when it is acceptable.

    The reason is translated lazily into the request's language.
    """
    if len(password) < MIN_LENGTH:
        return _l("Use at least 10 characters.")
    if len(password) > MAX_LENGTH:
        return _l("Use at most 256 characters.")
    if has_control_characters(password):
        # Control characters cannot be typed reliably, and a lone surrogate
        # (possible in JSON) cannot even be hashed.
        return _l("Use only letters, digits, spaces and punctuation.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        return _l("This password is too common.")
    # Only names long enough to be guessed from: "li" or "wu" would otherwise
    # refuse a good share of all passwords.
    username = username or ""
    if len(username) >= MIN_USERNAME_IN_PASSWORD and username.lower() in lowered:
        return _l("The password must not contain the username.")
    return None
