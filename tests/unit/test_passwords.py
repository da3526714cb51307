"""The password hash and the password policy (docs/reliability.md#passwords)."""

from __future__ import annotations

import pytest

from pmsys.auth.passwords import (
    MAX_LENGTH,
    hash_password,
    password_problem,
    verify_password,
)


def test_hash_is_salted_scrypt_and_verifies(real_password_hashing):
    first = hash_password("a sunny day by the yellow river")
    second = hash_password("a sunny day by the yellow river")

    assert first.startswith("scrypt:")
    # At least Werkzeug's work factor N=2**15 (the rest of the suite hashes more cheaply).
    _scrypt, work, _block, _parallel = first.split("$")[0].split(":")
    assert int(work) >= 2**15
    assert first != second  # salted
    assert "a sunny day" not in first
    assert verify_password(first, "a sunny day by the yellow river")
    assert verify_password(second, "a sunny day by the yellow river")
    assert not verify_password(first, "a sunny day by the yellow rivers")
    assert not verify_password(first, "")


def test_long_passphrase_is_accepted_and_verifies():
    passphrase = ("the water pipe in building three leaks every winter " * 5)[:200]
    assert len(passphrase) == 200

    assert password_problem(passphrase, "zhang") is None
    assert verify_password(hash_password(passphrase), passphrase)


def test_passphrase_at_the_limit_is_accepted_and_one_more_character_refused():
    at_limit = ("k7#Lq" * 60)[:MAX_LENGTH]
    too_long = at_limit + "x"

    assert MAX_LENGTH == 256
    assert password_problem(at_limit) is None
    assert password_problem(too_long) is not None
    assert "256" in str(password_problem(too_long))


def test_over_long_password_never_verifies_even_against_its_own_hash():
    # Bounding the input bounds the hashing work an attacker can ask for.
    too_long = "y" * (MAX_LENGTH + 1)
    stored = hash_password(too_long)

    assert not verify_password(stored, too_long)


@pytest.mark.parametrize(
    "password",
    ["password123", "Password123", "1234567890", "qwertyuiop", "woaini1314", "0123456789"],
)
def test_common_passwords_are_refused(password):
    problem = password_problem(password)

    assert problem is not None
    assert "common" in str(problem)


def test_repeated_characters_are_refused_as_common():
    assert "common" in str(password_problem("aaaaaaaaaaaa"))
    assert "common" in str(password_problem("abababababab"))


def test_short_password_is_refused():
    assert "10" in str(password_problem("Zq8#rT1!w"))
    assert password_problem("Zq8#rT1!wX") is None


@pytest.mark.parametrize("password", ["alice-likes-tea", "MyALICEpass2024", "xx-Alice-xx"])
def test_password_containing_the_username_is_refused(password):
    problem = password_problem(password, "alice")

    assert problem is not None
    assert "username" in str(problem)


def test_very_short_usernames_do_not_refuse_every_password_containing_them():
    # "li" is a common surname; refusing every password with "li" in it helps nobody.
    assert password_problem("a lively morning in baotou", "li") is None
    assert password_problem("a lively morning in baotou", "lively") is not None


def test_control_characters_and_lone_surrogates_are_refused_not_crashing():
    assert password_problem("tab\there-is-long") is not None
    assert password_problem("nul\x00here-is-long") is not None
    assert password_problem("surrogate\ud800-is-long") is not None
    # Ideographic and no-break spaces are ordinary characters of a Chinese passphrase.
    assert password_problem("我家的水管\u3000每年冬天都漏水") is None


def test_verify_refuses_what_it_cannot_check_without_raising():
    stored = hash_password("correct horse battery staple")

    assert not verify_password(stored, "lone \ud800 surrogate")
    assert not verify_password("md5$salt$0123456789abcdef", "anything at all")
    assert not verify_password("", "anything at all")
    assert not verify_password(None, "anything at all")
