"""Refusals from what the stack recorded: values held back until the records agree.

A guard compares the config with what a `pulumi.Stash` recorded (pulumi/stash.py: a Stash
keeps the value it was created with) and yields a list of problems; the values it holds back
are released only once every list is empty, so nothing that depends on them registers when a
change is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from .stack.config import TransitionRefusedError


def refused_unless_clear(problems: Sequence[pulumi.Output[list[str]]]) -> pulumi.Output[bool]:
    """True once every guard found nothing; else the update stops, naming every problem."""

    def refuse(found: list[list[str]]) -> bool:
        lines = [line for lines in found for line in lines]
        if lines:
            raise TransitionRefusedError(lines)
        return True

    return pulumi.Output.all(*problems).apply(refuse)


def guarded(value: Any, checked: pulumi.Output[bool]) -> pulumi.Output[Any]:
    """`value`, available only once the guards have passed."""
    return checked.apply(lambda _: value)
