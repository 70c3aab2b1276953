"""Offline renderer: run a Pulumi program under the mock engine and write what it would deploy.

    python -m components.render --stack dev [--config KEY=VALUE ...] --out DIR

Writes DIR/manifests.yaml and DIR/plan.json and prints a summary. Invalid configuration:
exit status 2, the error on stderr, nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import pulumi

from components import plan
from components.mock_engine import ProgramRun, run_program
from components.stack_config import StackConfigError, load_project, resolve

EXIT_INVALID = 2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m components.render",
        description="Render a stack offline: Kubernetes manifests and a plan of every resource.",
    )
    parser.add_argument(
        "--stack", required=True, help="stack name (reads stacks/Pulumi.<stack>.yaml)"
    )
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config value, as `pulumi config set` would (repeatable)",
    )
    parser.add_argument("--out", required=True, type=Path, help="directory to write into")
    parser.add_argument(
        "--program",
        type=Path,
        default=Path.cwd(),
        help="directory of the Pulumi program and its Pulumi.yaml (default: current directory)",
    )
    return parser.parse_args(argv)


def render(program: Path, stack: str, overrides: list[str]) -> ProgramRun:
    """Resolve the stack's config and run the program under mocks."""
    project = load_project(program)
    config = resolve(project, stack, overrides)
    return run_program(project.main, project.name, stack, config.values, config.secret_keys)


def write(run: ProgramRun, out: Path) -> None:
    """Write both files next to each other, then move them into `out` together."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".render-") as staging:
        staged = Path(staging)
        (staged / "manifests.yaml").write_text(plan.manifests_yaml(run), encoding="utf-8")
        (staged / "plan.json").write_text(
            json.dumps(plan.plan(run), indent=2) + "\n", encoding="utf-8"
        )
        for name in ("manifests.yaml", "plan.json"):
            (staged / name).replace(out / name)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        run = render(args.program, args.stack, args.config)
    except (StackConfigError, pulumi.RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID
    write(run, args.out)
    print(plan.summary(run))
    print(f"\nwrote {args.out / 'manifests.yaml'} and {args.out / 'plan.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
