"""What the offline renders put where only a deploy knows the value, shared by the mock engine
and the fast render so that both write the same manifests."""

from __future__ import annotations

import hashlib


def stand_in_bytes(stack: str, name: str, length: int) -> bytes:
    """What the mock returns for a random key: fixed per stack and resource, so renders stay
    identical from run to run, and different between stacks, as real random keys are."""
    return hashlib.shake_256(f"{stack}/{name}".encode()).digest(length)
