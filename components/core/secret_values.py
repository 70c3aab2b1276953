"""The app's Secret as plain data: each key's content for a password, and the keyed digest
that rolls the pods when the password changes.

The digest sits in the pod template, which anyone who can read the StatefulSet can see. It is
an HMAC-SHA256 keyed with a random key of the stack's own, kept in Pulumi state as a secret:
two stacks with the same password show different digests, and no guess at a password can be
checked against the digest without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from ..settings.app_settings import AppSettings
from ..settings.password_rules import password_problems
from .pod import PASSWORD_CONFIG_KEY, PASSWORD_KEY
from .redis_metrics import PASSWORD_FILE_KEY, exports_metrics, password_file
from .redis_replication import SENTINEL_AUTH_KEY, auth_line, sentinel_auth_line

CHECKSUM_ANNOTATION = "checksum/secret"
CHECKSUM_KEY_BYTES = 32


def quoted(value: str) -> str:
    """`value` as one double-quoted config argument (Redis' syntax, sdssplitargs): any space,
    quote, backslash or newline in a password stays inside it, and a character that is not
    printable is written as its UTF-8 bytes, each `\\xHH` (the syntax reads one byte per
    escape, so `\\x200b` would be the byte 0x20 and the text "0b")."""
    escaped = "".join(
        {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(c, c)
        if c.isprintable() or c in "\n\r\t"
        else "".join(f"\\x{byte:02x}" for byte in c.encode("utf-8"))
        for c in value
    )
    return f'"{escaped}"'


def config_file(line: str, password: str) -> str:
    """The app's auth config file: its config line with the password in it, quoted."""
    problems = password_problems(password)
    if problems:
        # Reached only by a password given as an Output, checked once it is known.
        raise ValueError(f"password: {'; '.join(problems)}")
    return line.replace("{password}", quoted(password)) + "\n"


def secret_values(settings: AppSettings, password: str) -> dict[str, str]:
    """The Secret's keys and contents: the password, the app's config line holding it when it
    has one, Sentinel's, and the metrics exporter's password file."""
    values = {PASSWORD_KEY: password}
    sentinel_line = sentinel_auth_line(settings)
    if sentinel_line:
        values[SENTINEL_AUTH_KEY] = config_file(sentinel_line, password)
    if exports_metrics(settings) and settings.security.password_mount:
        values[PASSWORD_FILE_KEY] = password_file(settings, password)
    line = auth_line(settings)
    if line:
        values[PASSWORD_CONFIG_KEY] = config_file(line, password)
    return values


def secret_keys(settings: AppSettings) -> list[str]:
    """The Secret's keys (their contents need the password)."""
    keys = [PASSWORD_KEY]
    if sentinel_auth_line(settings):
        keys.append(SENTINEL_AUTH_KEY)
    if exports_metrics(settings) and settings.security.password_mount:
        keys.append(PASSWORD_FILE_KEY)
    if auth_line(settings):
        keys.append(PASSWORD_CONFIG_KEY)
    return keys


def keyed_digest(key_hex: str, scope: str, password: str) -> str:
    """HMAC-SHA256 of the app's scope and its password under the stack's key."""
    message = scope.encode() + b"\0" + password.encode()
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest()


def digest_scope(settings: AppSettings) -> str:
    return f"{settings.namespace}/{settings.name}"


def with_checksum(statefulset: dict[str, Any], digest: Any) -> dict[str, Any]:
    """The StatefulSet manifest with the Secret's digest on its pod template."""
    template = statefulset["spec"]["template"]
    annotations = {**template["metadata"]["annotations"], CHECKSUM_ANNOTATION: digest}
    template = {**template, "metadata": {**template["metadata"], "annotations": annotations}}
    return {**statefulset, "spec": {**statefulset["spec"], "template": template}}
