"""Read a JSON file named on the command line, with errors that name the option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_json(path: Path, option: str, error: type[ValueError]) -> Any:
    """The file's JSON; `error` naming `option` when it is missing or is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{option}: {path} not found") from None
    except json.JSONDecodeError as problem:
        raise error(f"{option}: {path} is not JSON: {problem.msg}") from None
