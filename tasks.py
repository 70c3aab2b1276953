#!/usr/bin/env python3
"""The project's jobs, each setting up its own virtualenv first.

    python3 tasks.py render [--plan] [RENDER ARGS]
        offline render; arguments add to the defaults (--stack dev, --out out/<stack>).
        manifests.yaml straight from the pure core unless --plan (or --previous) asks for
        the engine's full render with plan.json
    python3 tasks.py test [--integration | --all] [PYTEST ARGS]
        lint, then the fast tier of the tests; --integration runs the slow tier (real
        servers, the plugin over gRPC, upgrades, every schema version, installs Debian's
        redis-server, redis-sentinel and prometheus-redis-exporter when root); --all both
    python3 tasks.py checkov
        every stack's manifests through checkov
    python3 tasks.py lock
        rewrite requirements.lock from the requirement files' ranges

Needs nothing but Python 3.11+: the virtualenv `.venv` is created and requirements.lock is
installed (with uv) on first use, and again whenever a requirements file or the lock changes.
"""

from __future__ import annotations

import argparse
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


# The installer: uv, put into each virtualenv by pip, installs in parallel with progress; pip
# itself is the fallback where uv cannot be had.
UV = "uv>=0.9,<1"
# The exact versions the project is tested with, resolved from the requirements' ranges for
# every platform (`python3 tasks.py lock` rewrites it).
LOCK = "requirements.lock"


def _install(python: Path, requirements: tuple[str, ...], lock: str | None) -> None:
    """Install into `python`'s virtualenv: the lock with uv when there is one (exactly it),
    else the requirement files' ranges; each step says what it does."""
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    print(f"  installing {UV} (the installer)", file=sys.stderr, flush=True)
    has_uv = subprocess.run([*pip, "--quiet", UV]).returncode == 0
    if has_uv and lock:
        print(f"  installing {lock} with uv", file=sys.stderr, flush=True)
        command = [str(python), "-m", "uv", "pip", "sync", "--python", str(python)]
        subprocess.run([*command, str(ROOT / lock)], check=True)
        return
    files = [arg for name in requirements for arg in ("-r", str(ROOT / name))]
    if has_uv:
        print(f"  installing {', '.join(requirements)} with uv", file=sys.stderr, flush=True)
        command = [str(python), "-m", "uv", "pip", "install", "--python", str(python)]
        subprocess.run([*command, *files], check=True)
        return
    print(f"  uv unavailable: installing {', '.join(requirements)} with pip", file=sys.stderr)
    subprocess.run([*pip, "--progress-bar", "on", *files], check=True)


def ensure_virtualenv(
    env: Path = VENV, requirements: tuple[str, ...] = REQUIREMENTS, lock: str | None = LOCK
) -> Path:
    """Create `env` and install the locked versions (or the pinned ranges), unless they are
    already installed."""
    if sys.version_info < (3, 11):  # noqa: UP036 (this file must run on an older Python to say so)
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    python = venv_python(env)
    if not python.exists():
        print(f"creating {env.name} (first run only)", file=sys.stderr, flush=True)
        venv.create(env, with_pip=True)
    files = (*requirements, *([lock] if lock else []))
    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in files))
    stamp = env / ".requirements.sha256"
    if not stamp.exists() or stamp.read_text() != digest.hexdigest():
        print(f"installing the requirements into {env.name}", file=sys.stderr, flush=True)
        _install(python, requirements, lock)
        stamp.write_text(digest.hexdigest())
    return python


def lock() -> int:
    """Resolve the requirement files' ranges to exact versions for every platform."""
    python = str(ensure_virtualenv())
    command = [python, "-m", "uv", "pip", "compile", "--universal", "--python-version", "3.11"]
    command += ["--quiet", REQUIREMENTS[-1], "-o", LOCK]
    return subprocess.run(command, cwd=ROOT).returncode


def checkov() -> int:
    """Render every stack and run checkov's Kubernetes checks on it: zero failures allowed.

    Skips come from checkov-skips.yaml, each with its reason.
    """
    python = str(ensure_virtualenv())
    checkov_python = str(ensure_virtualenv(CHECKOV_VENV, ("requirements-checkov.txt",), lock=None))
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
        render = [python, "-m", "components.offline.render", "--stack", stack, "--out", str(out)]
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
    to out/<stack>), so `render --stack prod` writes out/prod; the fast render (manifests
    only) unless `--plan` or `--previous` asks for the engine's."""
    if _value(args, "--check-preview") is not None or "-h" in args or "--help" in args:
        return list(args)
    full = "--plan" in args or _value(args, "--previous") is not None
    result = [arg for arg in args if arg != "--plan"]
    stack = _value(result, "--stack")
    if stack is None:
        stack = DEFAULT_STACK
        result = ["--stack", stack, *result]
    if _value(result, "--out") is None:
        result += ["--out", f"out/{stack}"]
    if not full and "--manifests-only" not in result:
        result.append("--manifests-only")
    return result


# The slow tier: tests marked `integration` (real servers, the plugin over gRPC, upgrades,
# schema versions, whole-stack transitions).
# The fast tier runs on every core (pytest-xdist); the slow one in one process, so that the
# real servers' failover timings are not squeezed by other tests.
TIERS = {
    "fast": ["-m", "not integration", "-n", "auto"],
    "integration": ["-m", "integration"],
    "all": [],
}


def parser() -> argparse.ArgumentParser:
    """The commands and their options (arguments not listed here go to the renderer or to
    pytest)."""
    main_parser = argparse.ArgumentParser(
        prog="python3 tasks.py",
        description="The project's jobs; each sets up its own virtualenv first.",
    )
    commands = main_parser.add_subparsers(dest="job", metavar="{render,test,checkov,lock}")
    render = commands.add_parser(
        "render",
        help="offline render of a stack (default: dev into out/dev)",
        description="Render a stack offline. Any renderer option may follow (see "
        "`python3 tasks.py render --help-renderer`); they add to the defaults.",
    )
    render.add_argument(
        "--plan",
        action="store_true",
        help="the engine's full render: manifests.yaml and plan.json (slower)",
    )
    render.add_argument(
        "--help-renderer", action="store_true", help="show the renderer's own options"
    )
    test = commands.add_parser(
        "test",
        help="ruff, then the tests (the fast tier unless told)",
        description="Ruff, then pytest. Any pytest option may follow (for example -k naming).",
    )
    tier = test.add_mutually_exclusive_group()
    tier.add_argument(
        "--integration",
        action="store_true",
        help="the slow tier: real Redis servers, the plugin over gRPC, upgrades and every "
        "schema version (installs the Debian packages it needs when run as root)",
    )
    tier.add_argument("--all", action="store_true", help="both tiers")
    commands.add_parser("checkov", help="every stack's manifests through checkov")
    commands.add_parser(
        "lock", help=f"rewrite {LOCK}: the requirement files' ranges resolved to exact versions"
    )
    return main_parser


def main(argv: list[str]) -> int:
    args, rest = parser().parse_known_args(argv or ["render"])
    if args.job is None:
        parser().print_help(sys.stderr)
        return 2
    if args.job == "checkov":
        return checkov()
    if args.job == "lock":
        return lock()
    python = str(ensure_virtualenv())
    if args.job == "render":
        if args.help_renderer:
            rest = ["--help"]
        elif args.plan:
            rest = ["--plan", *rest]
        command = [python, "-m", "components.offline.render", *render_args(rest)]
        return subprocess.run(command, cwd=ROOT).returncode
    tier = "all" if args.all else "integration" if args.integration else "fast"
    if tier != "fast":
        ensure_system_packages()
    lint = subprocess.run([python, "-m", "ruff", "check", "."], cwd=ROOT).returncode
    print(f"tests: the {tier} tier", file=sys.stderr, flush=True)
    # Compiled test modules are kept between runs (a fresh compile and assertion rewrite of
    # every module costs seconds each time), whatever the shell's PYTHONDONTWRITEBYTECODE.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    tests = subprocess.run([python, "-m", "pytest", *TIERS[tier], *rest], cwd=ROOT, env=env)
    return tests.returncode or lint


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
