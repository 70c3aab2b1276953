"""Benchmark: the fast render (`--manifests-only`, the pure core) against the engine's full
render, of the dev stack at 3 and 300 replicas, and what a fresh Python process pays for
its imports before either computes anything.

    .venv/bin/python bench/fast_render_bench.py [--runs 5] [--sizes 3 300]

Every figure is a whole fresh process (start-up and imports included), the median of the
runs, wall time and peak resident memory, as the cdk8s figures it is compared with were
taken (`cdk8s synth` of the same pattern: 0.13 s at 3 replicas, 0.34 s at 300).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CDK8S_SECONDS = {3: 0.13, 300: 0.34}
# What each import costs on its own, in a fresh process: the steps of the fast render's.
IMPORTS = {
    "python start-up": "pass",
    "PyYAML": "import yaml",
    "pydantic": "import pydantic",
    "Pulumi SDK (the full render only)": "import pulumi",
    "settings (pydantic models built)": "import components.settings.app_settings",
    "the whole fast render": "import components.offline.core_render",
}


def measure(command: list[str], cwd: Path = ROOT) -> tuple[float, int]:
    """Wall seconds and peak resident KiB of one fresh process."""
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *command],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - started
    return elapsed, int(result.stderr.strip().splitlines()[-1])


def render_command(replicas: int, out: Path, fast: bool) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "components.offline.render",
        "--stack",
        "dev",
        "--out",
        str(out),
    ]
    command += ["--config", f"replicas={replicas}", "--config", f"storage.storageSlots={replicas}"]
    return [*command, "--manifests-only"] if fast else command


def median(samples: list[tuple[float, int]]) -> tuple[float, int]:
    return (
        statistics.median(s for s, _ in samples),
        int(statistics.median(m for _, m in samples)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[3, 300], help="replica counts to render"
    )
    args = parser.parse_args()
    print(f"imports, fresh process, median of {args.runs}:")
    for label, code in IMPORTS.items():
        seconds, kib = median([measure([sys.executable, "-c", code]) for _ in range(args.runs)])
        print(f"  {seconds:6.3f} s {kib / 1024:6.1f} MiB  {label}")
    print(f"\n{'replicas':>8} {'fast':>8} {'full':>8} {'cdk8s':>7} {'fast MiB':>9} {'full MiB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for replicas in args.sizes:
            figures = {}
            for fast in (True, False):
                out = Path(tmp) / f"{replicas}-{fast}"
                figures[fast] = median(
                    [measure(render_command(replicas, out, fast)) for _ in range(args.runs)]
                )
            fast_bytes = (Path(tmp) / f"{replicas}-True" / "manifests.yaml").read_bytes()
            full_bytes = (Path(tmp) / f"{replicas}-False" / "manifests.yaml").read_bytes()
            assert fast_bytes == full_bytes, "the fast render must write the same manifests"
            cdk8s = CDK8S_SECONDS.get(replicas)
            print(
                f"{replicas:>8} {figures[True][0]:7.3f}s {figures[False][0]:7.3f}s "
                f"{f'{cdk8s:.2f}s' if cdk8s else '-':>7} {figures[True][1] / 1024:9.1f} "
                f"{figures[False][1] / 1024:9.1f}"
            )


if __name__ == "__main__":
    main()
