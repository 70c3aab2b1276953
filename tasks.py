#!/usr/bin/env python3
"""The project's two jobs, each setting up its own virtualenv first.

    python3 tasks.py render [RENDER ARGS]   offline render; arguments add to the defaults
                                            (--stack dev, --out out/<stack>)
    python3 tasks.py test [PYTEST ARGS]     lint, then the test suite (installs Debian's
                                            redis-server, redis-sentinel and
                                            prometheus-redis-exporter when root)
    python3 tasks.py checkov                every stack's manifests through checkov

Needs nothing but Python 3.11+: the virtualenv `.venv` is created and the requirements are
installed on first use, and again whenever a requirements file changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ("requirements.txt", "provider/requirements.txt", "requirements-dev.txt")
CHECKOV_VENV = ROOT / ".venv-checkov"
STACKS = ("dev", "staging", "prod")
DEFAULT_STACK = "dev"


def venv_python(env: Path = VENV) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_virtualenv(env: Path = VENV, requirements: tuple[str, ...] = REQUIREMENTS) -> Path:
    """Create `env` and install the pinned ranges, unless they are already installed."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this file must run on an older Python to say so)
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    python = venv_python(env)
    if not python.exists():
        print(f"creating {env.name}", file=sys.stderr)
        venv.create(env, with_pip=True)
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in requirements))
    stamp = env / ".requirements.sha256"
    if not stamp.exists() or stamp.read_text() != digest.hexdigest():
        print(f"installing requirements into {env.name}", file=sys.stderr)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", str(ROOT / requirements[-1])], check=True)
        stamp.write_text(digest.hexdigest())
    return python


def checkov() -> int:
    """Render every stack and run checkov's Kubernetes checks on it: zero failures allowed.

    Skips come from checkov-skips.yaml, each with its reason.
    """
    python = str(ensure_virtualenv())
    checkov_python = str(ensure_virtualenv(CHECKOV_VENV, ("requirements-checkov.txt",)))
    read_skips = (
        "import json, yaml; skips = yaml.safe_load(open('checkov-skips.yaml'));"
        "bad = [f'{s}:{c}' for s, cs in skips.items() for c, why in cs.items() if not why];"
        "print(json.dumps(skips)) if not bad else exit('skips without a reason: ' + str(bad))"
    )
    found = subprocess.run([python, "-c", read_skips], cwd=ROOT, capture_output=True, text=True)
    if found.returncode:
        print(found.stderr, file=sys.stderr)
        return found.returncode
    skips = json.loads(found.stdout)
    failed = 0
    for stack in STACKS:
        out = ROOT / "out" / "checkov" / stack
        render = [python, "-m", "components.render", "--stack", stack, "--out", str(out)]
        if subprocess.run(render, cwd=ROOT, stdout=subprocess.DEVNULL).returncode:
            return 1
        skipped = sorted({**skips.get("all", {}), **skips.get(stack, {})})
        command = [checkov_python, "-m", "checkov.main", "--framework", "kubernetes"]
        command += ["-f", str(out / "manifests.yaml"), "--compact", "--quiet", "--skip-download"]
        if skipped:
            command += ["--skip-check", ",".join(skipped)]
        print(f"checkov: {stack} (skipping {', '.join(skipped) or 'nothing'})", flush=True)
        result = subprocess.run(command, cwd=ROOT)
        failed |= result.returncode
    print("checkov: no failed check" if not failed else "checkov: failed checks above")
    return failed


# Debian packages the tests run for real (the Redis preset against the server itself).
# Command -> package; `ip` gives each test pod its own loopback.
SYSTEM_PACKAGES = {
    "redis-server": "redis-server",
    "redis-sentinel": "redis-sentinel",
    "prometheus-redis-exporter": "prometheus-redis-exporter",
    "ip": "iproute2",
}


def ensure_system_packages() -> None:
    """Install the Debian packages the real-server tests need, when missing and when this
    runs as root with apt-get (as CI does); otherwise say what those tests will lack."""
    missing = [pkg for command, pkg in SYSTEM_PACKAGES.items() if shutil.which(command) is None]
    if not missing:
        return
    can_install = shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0
    if not can_install:
        print(
            f"not installed: {', '.join(missing)}; the real-server tests will be skipped "
            f"(as root on Debian: apt-get install {' '.join(missing)})",
            file=sys.stderr,
        )
        return
    print(f"installing {', '.join(missing)} (apt-get)", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    quiet = {"stdout": subprocess.DEVNULL, "env": env}
    if subprocess.run(install, **quiet).returncode:
        subprocess.run(["apt-get", "update", "-q"], check=True, **quiet)
        subprocess.run(install, check=True, **quiet)


def _value(args: list[str], flag: str) -> str | None:
    """The value given to `flag` (`--flag value` or `--flag=value`), or None."""
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None


def render_args(args: list[str]) -> list[str]:
    """The renderer's arguments: what is given, on top of the defaults (the dev stack, written
    to out/<stack>), so `render --stack prod` writes out/prod."""
    if _value(args, "--check-preview") is not None or "-h" in args or "--help" in args:
        return list(args)
    result = list(args)
    stack = _value(args, "--stack")
    if stack is None:
        stack = DEFAULT_STACK
        result = ["--stack", stack, *result]
    if _value(args, "--out") is None:
        result += ["--out", f"out/{stack}"]
    return result


def main(argv: list[str]) -> int:
    job, args = (argv[0], argv[1:]) if argv else ("render", [])
    if job not in ("render", "test", "checkov"):
        print(__doc__, file=sys.stderr)
        return 2
    if job == "checkov":
        return checkov()
    python = str(ensure_virtualenv())
    if job == "render":
        command = [python, "-m", "components.render", *render_args(args)]
        return subprocess.run(command, cwd=ROOT).returncode
    ensure_system_packages()
    lint = subprocess.run([python, "-m", "ruff", "check", "."], cwd=ROOT).returncode
    tests = subprocess.run([python, "-m", "pytest", *args], cwd=ROOT).returncode
    return tests or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
