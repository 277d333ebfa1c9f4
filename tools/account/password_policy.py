"""Which passwords are too easy to guess to accept: shorter than `MIN_PASSWORD_LENGTH`, only digits, one
character repeated, or one of the most common passwords. A small check on purpose (no dictionary download):
it stops `12345678` and `password1`, and says why, so sign-up stays clear."""

from __future__ import annotations

__all__ = ["COMMON_PASSWORDS", "MIN_PASSWORD_LENGTH", "weak_password_reason"]

MIN_PASSWORD_LENGTH = 8

COMMON_PASSWORDS = frozenset(
    {
        "password", "password1", "password12", "password123", "passw0rd", "p@ssw0rd", "p@ssword",
        "qwertyui", "qwertyuiop", "qwerty123", "qwerty1234", "1q2w3e4r", "1qaz2wsx", "zaq12wsx",
        "asdfghjk", "asdfghjkl", "abcdefgh", "abcd1234", "abc12345", "iloveyou", "iloveyou1",
        "sunshine", "princess", "football", "baseball", "superman", "starwars", "whatever",
        "trustno1", "letmein1", "welcome1", "welcome123", "admin123", "administrator", "changeme",
        "marathon", "running1", "runner123", "runcoach", "runcoach1",
    }
)  # fmt: skip


def weak_password_reason(password: str) -> str | None:
    """Why `password` is refused (a sentence that says what to do), or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    if password.isdigit():
        return "A password of only digits is too easy to guess. Add letters or use a few unrelated words."
    if len(set(password)) == 1:
        return "A password of one repeated character is too easy to guess. Use a few unrelated words."
    if password.lower() in COMMON_PASSWORDS:
        return "That is one of the most common passwords. Choose another, for example a few unrelated words."
    return None
