"""What a password must be to reach the app byte for byte and to pass its probes.

Any Unicode text does, with three exceptions, refused with the key named: an empty password
(Redis would run with no auth at all, `requirepass ""`, and its probes would still pass), one
shorter than MIN_LENGTH characters, and one holding a NUL character (the readiness probe
hands the password to redis-cli in an environment variable, which ends at the first NUL).
Everything else is written into the app's config by UTF-8 byte (see
`password_secret.quoted`) and read by the probe with its trailing newlines kept.
"""

from __future__ import annotations

MIN_LENGTH = 12


def password_problems(value: str) -> list[str]:
    """Why `value` cannot be the app's password (empty when it can)."""
    if value == "":
        return ["empty; an empty password turns authentication off"]
    problems = []
    if len(value) < MIN_LENGTH:
        problems.append(
            f"expected at least {MIN_LENGTH} characters, got {len(value)} (use a long random "
            f"one, e.g. openssl rand -base64 24)"
        )
    if "\0" in value:
        problems.append("holds a NUL character, which no environment variable can carry")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        problems.append("is not valid Unicode text (it holds a lone surrogate)")
    return problems
