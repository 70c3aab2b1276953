"""Benchmark: the fast render (`render --manifests-only`) against its cdk8s peer, side by side.

    .venv/bin/python bench/peer_bench.py [--runs 7] [--sizes 3 300]

The peer (bench/cdk8s_peer/synth.js: cdk8s and cdk8s-plus writing the same pattern, pinned
PVs, the headless Service and the StatefulSet) is installed with `npm ci` on first use. Each
figure is a whole fresh process, start-up included: the two commands run alternately, so
that the machine's drift falls on both, and the median of the runs is shown, wall time and
peak resident memory (`/usr/bin/time`).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# Run as a script, this folder is on the path: one way of measuring for both benchmarks.
from fast_render_bench import measure

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "bench" / "cdk8s_peer"


def install_peer() -> None:
    if (PEER / "node_modules" / "cdk8s-plus-32").exists():
        return
    if shutil.which("npm") is None:
        raise SystemExit("the cdk8s peer needs Node.js and npm")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PEER, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[3, 300], help="replicas")
    args = parser.parse_args()
    install_peer()
    print(f"fresh processes, alternating, median of {args.runs}: wall time, peak memory")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        for replicas in args.sizes:
            ours = [sys.executable, "-m", "components.offline.render", "--stack", "dev"]
            ours += ["--config", f"replicas={replicas}"]
            ours += ["--config", f"storage.storageSlots={replicas}"]
            ours += ["--manifests-only", "--out", str(out / "ours")]
            peer = ["node", "synth.js", str(replicas), str(out / "peer")]
            samples: dict[str, list[tuple[float, int]]] = {"render": [], "cdk8s": []}
            for _ in range(args.runs):
                samples["render"].append(measure(ours, ROOT))
                samples["cdk8s"].append(measure(peer, PEER))
            figures = {
                name: (
                    statistics.median(s for s, _ in runs),
                    statistics.median(k for _, k in runs) / 1024,
                )
                for name, runs in samples.items()
            }
            (ours_s, ours_mib), (peer_s, peer_mib) = figures["render"], figures["cdk8s"]
            print(
                f"  {replicas:4d} replicas: render --manifests-only {ours_s:.3f} s "
                f"{ours_mib:.0f} MiB; cdk8s {peer_s:.3f} s {peer_mib:.0f} MiB; "
                f"ratio {ours_s / peer_s:.2f}x"
            )


if __name__ == "__main__":
    main()
