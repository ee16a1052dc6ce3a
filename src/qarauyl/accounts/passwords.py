"""Password hashing with argon2id (argon2-cffi's defaults: RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from qarauyl.errors import InputError, Problem

_HASHER = PasswordHasher()
MIN_LENGTH = 8
# Hashed once so that an unknown name costs as much as a wrong password (no timing oracle for names).
_DUMMY = _HASHER.hash("qarauyl-dummy-password")


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InputError(
            f"The password is too short: use at least {MIN_LENGTH} characters.",
            [Problem("password", "password", f"use at least {MIN_LENGTH} characters")],
        )
    if len(password) > 1024:
        raise InputError("The password is too long: use at most 1024 characters.")


def hash_password(password: str) -> str:
    check_strength(password)
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
