"""The app's password Secret and its keyed checksum, as Pulumi resources and Outputs: the
contents come from `core.secret_values` once the password is known."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_random as random

from .core.blueprint import AppBlueprint
from .core.pod import PASSWORD_KEY
from .core.secret_values import (
    CHECKSUM_KEY_BYTES,
    config_file,
    digest_scope,
    keyed_digest,
    quoted,
    secret_keys,
    secret_values,
    with_checksum,
)

__all__ = ["config_file", "keyed_digest", "quoted"]


def secret_data(blueprint: AppBlueprint, password: pulumi.Input[str]) -> dict[str, Any]:
    """The Secret's data, key by key, each computed once the password is known."""
    settings = blueprint.settings
    contents = pulumi.Output.from_input(password).apply(lambda v: secret_values(settings, v))
    return {
        key: password if key == PASSWORD_KEY else contents.apply(lambda c, key=key: c[key])
        for key in secret_keys(settings)
    }


def checksum_key(name: str, opts: pulumi.ResourceOptions) -> random.RandomBytes:
    """The stack's checksum key: 32 random bytes, generated once and kept in state as a secret."""
    return random.RandomBytes(name, length=CHECKSUM_KEY_BYTES, opts=opts)


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
    scope = digest_scope(blueprint.settings)
    return with_checksum(blueprint.statefulset, secret_checksum(password, key_hex, scope))
