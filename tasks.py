#!/usr/bin/env python3
"""The project's two jobs, each setting up its own virtualenv first.

    python3 tasks.py render [RENDER ARGS]   offline render (default: the dev stack into out/dev)
    python3 tasks.py test [PYTEST ARGS]     lint, then the test suite

Needs nothing but Python 3.11+: the virtualenv `.venv` is created and the requirements are
installed on first use, and again whenever a requirements file changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
DEFAULT_RENDER = ["--stack", "dev", "--out", "out/dev"]


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_virtualenv() -> Path:
    """Create `.venv` and install the pinned ranges, unless they are already installed."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this file must run on an older Python to say so)
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    python = venv_python()
    if not python.exists():
        print("creating .venv", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in REQUIREMENTS))
    stamp = VENV / ".requirements.sha256"
    if not stamp.exists() or stamp.read_text() != digest.hexdigest():
        print("installing requirements into .venv", file=sys.stderr)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", str(ROOT / "requirements-dev.txt")], check=True)
        stamp.write_text(digest.hexdigest())
    return python


def main(argv: list[str]) -> int:
    job, args = (argv[0], argv[1:]) if argv else ("render", [])
    if job not in ("render", "test"):
        print(__doc__, file=sys.stderr)
        return 2
    python = str(ensure_virtualenv())
    if job == "render":
        command = [python, "-m", "components.render", *(args or DEFAULT_RENDER)]
        return subprocess.run(command, cwd=ROOT).returncode
    lint = subprocess.run([python, "-m", "ruff", "check", "."], cwd=ROOT).returncode
    tests = subprocess.run([python, "-m", "pytest", *args], cwd=ROOT).returncode
    return tests or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
