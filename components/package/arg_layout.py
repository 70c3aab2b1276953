"""The shape of StatefulAppArgs: its top-level inputs and each group's fields, derived from
`app_args.py`, the one definition, and written to `arg_table.py` so that reading the shape
needs no Pulumi SDK (`app_args.py` names `pulumi.Input`, whose import alone costs the fast
render about 0.2 s).

    python -m components.package.arg_layout [--write]   print the table, or rewrite arg_table.py

`tests/test_arg_paths.py` fails when the written table differs from the derived one.
"""

from __future__ import annotations

import argparse
import pprint
import typing
from pathlib import Path
from typing import Any

from pydantic.alias_generators import to_camel

TABLE = Path(__file__).resolve().parent.parent / "settings" / "arg_table.py"
HEADER = '''"""Written by `python -m components.package.arg_layout --write`; do not edit."""

'''


def _hints(typed_dict: type) -> dict[str, Any]:
    """A TypedDict's field types, without Required/NotRequired (read as written: resolving
    them would evaluate pulumi.Input's forward reference)."""
    hints = {}
    for name, hint in typed_dict.__annotations__.items():
        if typing.get_origin(hint) in (typing.Required, typing.NotRequired):
            hint = typing.get_args(hint)[0]
        hints[name] = hint
    return hints


def derive() -> dict[str, Any]:
    """The top-level inputs and the groups' fields, in definition order, camelCase."""
    from .. import app_args

    hints = _hints(app_args.StatefulAppArgs)
    groups = {
        to_camel(name): tuple(to_camel(field) for field in _hints(hint))
        for name, hint in hints.items()
        if typing.is_typeddict(hint)
    }
    top = tuple(to_camel(name) for name in hints if to_camel(name) not in groups)
    return {"TOP_LEVEL": top, "GROUPS": groups}


def source(table: dict[str, Any]) -> str:
    body = "".join(
        f"{name}: {kind} = {pprint.pformat(table[name], width=96, sort_dicts=False)}\n"
        for name, kind in (
            ("TOP_LEVEL", "tuple[str, ...]"),
            ("GROUPS", "dict[str, tuple[str, ...]]"),
        )
    )
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m components.package.arg_layout", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--write", action="store_true", help="rewrite components/settings/arg_table.py"
    )
    args = parser.parse_args(argv)
    text = source(derive())
    if args.write:
        TABLE.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
