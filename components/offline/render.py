"""Offline renderer: run a Pulumi program under the mock engine and write what it would deploy.

    python -m components.offline.render --stack dev [--config KEY=VALUE ...] --out DIR
        [--previous PLAN_OR_EXPORT] [--manifests-only]

Writes DIR/manifests.yaml and DIR/plan.json and prints a summary. Invalid configuration:
exit status 2, the error on stderr, nothing written. With --previous, also what the change
does to every resource and each claim's data; a refused change exits with status 3. With
--manifests-only, DIR/manifests.yaml alone, straight from the pure core (no engine): the
same bytes, several times faster.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..stack.stack_config import StackConfigError, load_project

if TYPE_CHECKING:
    from .mock_engine import ProgramRun

# The engine, the Pulumi SDK and the change preview are imported where they are used: the fast
# render (--manifests-only) needs none of them.

EXIT_INVALID = 2
EXIT_REFUSED = 3


def build_parser() -> argparse.ArgumentParser:
    """The renderer's command line, every option with its help."""
    parser = argparse.ArgumentParser(
        # `components.offline.render` here, `gke_stateful.offline.render` where installed.
        prog=f"python -m {__package__}.render",
        description="Render a stack offline: Kubernetes manifests and a plan of every resource.",
    )
    parser.add_argument(
        "--stack",
        help="stack name: reads Pulumi.<stack>.yaml from the program's stackConfigDir "
        "(Pulumi.yaml's, else the program's own directory), as the Pulumi CLI does",
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config value, as `pulumi config set` would (repeatable)",
    )
    parser.add_argument(
        "--secret-file",
        action="append",
        default=[],
        metavar="KEY=PATH",
        help="give a secret config value (the password) from a file, as a new stack has no "
        "`secure:` value yet: checked as the program checks it, then rendered as a secure "
        "value is, so it is written nowhere (repeatable; one trailing newline is dropped)",
    )
    parser.add_argument(
        "--secret-env",
        action="append",
        default=[],
        metavar="KEY=VARIABLE",
        help="the same, from an environment variable",
    )
    parser.add_argument("--out", type=Path, help="directory to write into")
    parser.add_argument(
        "--previous",
        type=Path,
        metavar="FILE",
        help="plan.json of an earlier render, or `pulumi stack export` of the deployed stack: "
        "print what the change does to each resource and each claim's data (exit 3 if refused)",
    )
    parser.add_argument(
        "--manifests-only",
        action="store_true",
        help="write manifests.yaml only, computed from the pure core without the engine "
        "(the same file, faster; no plan.json, no --previous; this project's program only)",
    )
    parser.add_argument(
        "--program",
        type=Path,
        default=Path.cwd(),
        help="directory of the Pulumi program and its Pulumi.yaml (default: current directory)",
    )
    parser.add_argument(
        "--check-preview",
        type=Path,
        metavar="PREVIEW_JSON",
        help="instead of rendering: read `pulumi preview --json` output and exit 3 if it would "
        "delete, replace or drop a disk, PV, StorageClass or snapshot schedule",
    )
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.check_preview is None and (args.stack is None or args.out is None):
        parser.error("--stack and --out are required (unless --check-preview is given)")
    if args.manifests_only and args.previous is not None:
        parser.error("--previous needs the plan: leave out --manifests-only")
    return args


def offline_secrets(files: list[str], variables: list[str]) -> list[str]:
    """The config keys given a secret (`--secret-file`, `--secret-env`), each value read and
    checked as the program checks the password, then dropped: the render uses the stand-in a
    stack file's `secure:` value gets, so nothing derived from the value is written (not even
    the pod template's checksum). StackConfigError names the key, never the value."""
    from ..settings.password_rules import password_problems

    keys = []
    for option, items in (("--secret-file", files), ("--secret-env", variables)):
        for item in items:
            key, sep, source = item.partition("=")
            if not sep or not key or not source:
                expected = "KEY=PATH" if option == "--secret-file" else "KEY=VARIABLE"
                raise StackConfigError(f"{option} {item!r}: expected {expected}")
            if option == "--secret-file":
                try:
                    value = Path(source).expanduser().read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as error:
                    raise StackConfigError(
                        f"{option} {key}: cannot read {source}: {error}"
                    ) from None
                value = value[:-1] if value.endswith("\n") else value
            else:
                if source not in os.environ:
                    raise StackConfigError(f"{option} {key}: the variable {source} is not set")
                value = os.environ[source]
            if key.rpartition(":")[2] == "password":
                problems = password_problems(value)
                if problems:
                    raise StackConfigError(f"{key} ({option}): {'; '.join(problems)}")
            keys.append(key)
    return keys


def check_preview(path: Path) -> int:
    """The CI gate: 0 when the previewed update keeps every data resource, 3 when not."""
    from .preview_gate import PreviewFileError, check_preview_file

    try:
        problems = check_preview_file(path)
    except PreviewFileError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    if problems:
        print("refused: the previewed update would move or drop data, or failed:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"{path}: no disk, PV, StorageClass or snapshot schedule is deleted or replaced")
    return 0


def render(
    program: Path,
    stack: str,
    overrides: list[str],
    previous: list[dict[str, Any]] | None = None,
    secure: list[str] | None = None,
) -> ProgramRun:
    """Resolve the stack's config and run the program under mocks, against the state an
    earlier plan left (`previous`) when there is one."""
    from ..settings.validation import SettingsError
    from .change_preview import recorded_disk_sizes, recorded_stashes
    from .core_render import resolved_stack
    from .mock_engine import run_program

    try:
        project, config = resolved_stack(program, stack, overrides, secure or ())
    except SettingsError as error:
        raise StackConfigError(str(error)) from None
    try:
        storage = json.loads(config.values.get(f"{project.name}:storage") or "{}")
    except json.JSONDecodeError:
        storage = {}
    newer = storage.get("newerZones") if isinstance(storage, dict) else None
    return run_program(
        project.main,
        project.name,
        stack,
        config.values,
        config.secret_keys,
        existing_disks=recorded_disk_sizes(previous) if previous else None,
        stashes=recorded_stashes(previous) if previous else None,
        newer_zones=[z for z in newer if isinstance(z, str)] if isinstance(newer, list) else (),
        previous={r["urn"]: r for r in previous} if previous else None,
    )


def _staged(out: Path, name: str, text: str) -> Path:
    """`text` written beside `out / name` under a name of this process's own, to be moved
    over it whole (a rename within one folder): a reader never sees half a file."""
    staged = out / f".{name}.{os.getpid()}.tmp"
    try:
        staged.write_text(text, encoding="utf-8")
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def write(run: ProgramRun, planned: dict[str, Any], out: Path) -> None:
    """Write the manifests and `planned` (the run's plan) next to each other, then move them
    into `out` together."""
    from . import plan

    out.mkdir(parents=True, exist_ok=True)
    written = {
        "manifests.yaml": plan.manifests_yaml(run),
        "plan.json": json.dumps(planned, indent=2) + "\n",
    }
    staged: list[Path] = []
    try:
        for name, text in written.items():
            staged.append(_staged(out, name, text))
    except BaseException:
        for path in staged:
            path.unlink(missing_ok=True)
        raise
    for path, name in zip(staged, written, strict=True):
        path.replace(out / name)


def render_manifests_only(
    program: Path, stack: str, overrides: list[str], out: Path, secure: list[str]
) -> int:
    """The fast render: manifests.yaml from the pure core; exit 2 on invalid config."""
    from ..settings.validation import SettingsError
    from .core_render import render_manifests

    try:
        rendered = render_manifests(program, stack, overrides, secure)
    except (StackConfigError, SettingsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    out.mkdir(parents=True, exist_ok=True)
    _staged(out, "manifests.yaml", rendered.text).replace(out / "manifests.yaml")
    print(rendered.summary(load_project(program).name))
    print(f"\nwrote {out / 'manifests.yaml'}")
    return 0


def _lighten_fast_process() -> None:
    """Spare a fast render's own process two costs that buy it nothing (`bench/peer_bench.py`).

    What it allocates (modules, the settings models, the objects) it keeps to the end, so the
    cyclic garbage collector's passes, one per 700 allocations, free nothing: about 10 ms. The
    engine's run keeps the collector: its cycles would cost a third more memory at 300 slots.
    And pydantic looks for plugins in every installed distribution's metadata before its
    first model (3 ms here; more where a plugin loads a whole SDK): the settings are validated
    for the render alone, with nothing to observe them. A user's own
    `PYDANTIC_DISABLE_PLUGINS` is kept.
    """
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def main(argv: list[str] | None = None, *, process_ends: bool = False) -> int:
    """The command; `process_ends` when the process ends with it (run as a command)."""
    args = parse_args(argv)
    if args.check_preview is not None:
        return check_preview(args.check_preview)
    try:
        secure = offline_secrets(args.secret_file, args.secret_env)
    except StackConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    if args.manifests_only:
        if process_ends:
            _lighten_fast_process()
        return render_manifests_only(args.program, args.stack, args.config, args.out, secure)
    import pulumi

    from ..stack.config import TransitionRefusedError
    from . import plan
    from .change_preview import PreviousStateError, compare, load_previous, report_text

    try:
        previous = load_previous(args.previous) if args.previous else None
        run = render(args.program, args.stack, args.config, previous, secure)
    except TransitionRefusedError as error:
        print(error, file=sys.stderr)
        return EXIT_REFUSED
    except (StackConfigError, PreviousStateError, pulumi.RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    planned = plan.plan(run)
    report = None
    if previous is not None:
        report = compare(previous, planned["resources"])
        planned["changes"] = report.as_json()
    write(run, planned, args.out)
    print(plan.summary(run))
    if report is not None:
        print()
        print(report_text(report))
    print(f"\nwrote {args.out / 'manifests.yaml'} and {args.out / 'plan.json'}")
    if report is not None and report.refused:
        print(
            "refused: the change would replace or delete data it must not (see above)",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    return 0


if __name__ == "__main__":
    status = main(process_ends=True)
    # All that is left goes with the process: frozen, it is left out of the collections the
    # interpreter runs as it exits (12 ms of a fast render's 160).
    gc.freeze()
    sys.exit(status)
