"""The app's password Secret and the keyed checksum that rolls pods when the password changes.

The checksum sits in the pod template, which anyone who can read the StatefulSet can see. It
is an HMAC-SHA256 keyed with a random key of the stack's own, kept in Pulumi state as a
secret: two stacks with the same password show different digests, and no guess at a password
can be checked against the digest without the key.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pulumi
import pulumi_random as random

from .core.blueprint import AppBlueprint
from .core.pod import PASSWORD_CONFIG_KEY, PASSWORD_KEY
from .core.redis_metrics import PASSWORD_FILE_KEY, exports_metrics, password_file
from .core.redis_replication import SENTINEL_AUTH_KEY, auth_line, sentinel_auth_line
from .password_rules import password_problems

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


def secret_data(blueprint: AppBlueprint, password: pulumi.Input[str]) -> dict[str, Any]:
    """The Secret's data: the password, the app's config line holding it when it has one,
    Sentinel's, and the metrics exporter's password file."""
    data: dict[str, pulumi.Input[str]] = {PASSWORD_KEY: password}
    sentinel_line = sentinel_auth_line(blueprint.settings)
    if sentinel_line:
        data[SENTINEL_AUTH_KEY] = pulumi.Output.from_input(password).apply(
            lambda value: config_file(sentinel_line, value)
        )
    settings = blueprint.settings
    if exports_metrics(settings) and settings.password_mount:
        data[PASSWORD_FILE_KEY] = pulumi.Output.from_input(password).apply(
            lambda value: password_file(settings, value)
        )
    line = auth_line(blueprint.settings)
    if line:
        data[PASSWORD_CONFIG_KEY] = pulumi.Output.from_input(password).apply(
            lambda value: config_file(line, value)
        )
    return data


def checksum_key(name: str, opts: pulumi.ResourceOptions) -> random.RandomBytes:
    """The stack's checksum key: 32 random bytes, generated once and kept in state as a secret."""
    return random.RandomBytes(name, length=CHECKSUM_KEY_BYTES, opts=opts)


def keyed_digest(key_hex: str, scope: str, password: str) -> str:
    """HMAC-SHA256 of the app's scope and its password under the stack's key."""
    message = scope.encode() + b"\0" + password.encode()
    return hmac.new(bytes.fromhex(key_hex), message, hashlib.sha256).hexdigest()


def secret_checksum(
    password: pulumi.Input[str], key_hex: pulumi.Input[str], scope: str
) -> pulumi.Output[str]:
    """A digest that changes with the password, so pods roll, and reveals nothing of it.

    Unsecret on purpose: without the key it cannot confirm a guess, and the pod template stays
    readable in previews.
    """
    digest = pulumi.Output.all(password, key_hex).apply(
        lambda values: keyed_digest(values[1], scope, values[0])
    )
    return pulumi.Output.unsecret(digest)


def with_secret_checksum(
    blueprint: AppBlueprint, password: pulumi.Input[str], key_hex: pulumi.Input[str]
) -> dict[str, Any]:
    """The StatefulSet manifest with the secret's checksum on its pod template."""
    manifest = blueprint.statefulset
    settings = blueprint.settings
    template = manifest["spec"]["template"]
    annotations = {
        **template["metadata"]["annotations"],
        CHECKSUM_ANNOTATION: secret_checksum(
            password, key_hex, f"{settings.namespace}/{settings.name}"
        ),
    }
    template = {**template, "metadata": {**template["metadata"], "annotations": annotations}}
    return {**manifest, "spec": {**manifest["spec"], "template": template}}
