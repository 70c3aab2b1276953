"""Refusals from what the stack recorded: values held back until the records agree.

A guard compares the config with what a `pulumi.Stash` recorded (pulumi/stash.py: a Stash
keeps the value it was created with) and yields a list of problems; the values it holds back
are released only once every list is empty, so nothing that depends on them registers when a
change is refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, TypeVar

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


T = TypeVar("T")


def without_dependencies(output: pulumi.Output[T]) -> pulumi.Output[T]:
    """`output`, waited for but not recorded as a dependency of what takes it. A guard over
    every slot's resources would otherwise make each slot's resources depend on every other
    slot's: n² dependencies for n slots, each checked by the SDK for cycles
    (pulumi/runtime/resource_cycle_breaker.py), which made a 300-slot render four times
    slower."""

    async def settle() -> tuple[Any, bool, bool]:
        value = await output.future(with_unknowns=True)
        return value, await output.is_known(), await output.is_secret()

    settled = asyncio.ensure_future(settle())

    async def pick(index: int) -> Any:
        return (await settled)[index]

    # Tasks, not bare coroutines: if the guard refuses, the parts the Output never awaits
    # still run instead of being reported as never awaited.
    parts = [asyncio.ensure_future(pick(index)) for index in range(3)]
    return pulumi.Output(set(), *parts)
