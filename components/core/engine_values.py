"""Values as the engine hands them back to the program (a Stash's recorded value): every
number a float, since they travel as a protobuf Struct."""

from __future__ import annotations

from typing import Any


def whole(value: Any) -> Any:
    """A recorded number shown as it was given: 1.0 as 1 (anything else as it is)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value
