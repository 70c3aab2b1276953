"""Kubernetes memory quantities (`2Gi`, `512Mi`, `1G`, `1048576`), in bytes."""

from __future__ import annotations

import re

QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
UNITS = {
    None: 1,
    "k": 1000,
    "M": 1000**2,
    "G": 1000**3,
    "T": 1000**4,
    "Ki": 1024,
    "Mi": 1024**2,
    "Gi": 1024**3,
    "Ti": 1024**4,
}


def quantity_bytes(text: str) -> int:
    """`text` in bytes; ValueError when it is not a memory quantity."""
    match = QUANTITY.fullmatch(text)
    if not match:
        raise ValueError(f"not a memory quantity: {text!r}")
    return int(float(match[1]) * UNITS[match[2]])
