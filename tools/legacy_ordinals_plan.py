"""Write the plan a v0.1.0 deployment of staging with `ordinalsStart: 1` left behind.

v0.1.0's own plans (`tests/golden/v0.1.0/`) start every stack at ordinal 0, where a slot's
index and its ordinal agree. v0.1.0 named the app component after `name`, each volume (disk,
PV, schedule attachment) after its ordinal, and each claim patch after its claim; it had no
Stash, no random key and no PodMonitoring. This renders staging with the ordinals shifted and
the metrics off (a 0.1.0 setting set), then gives every resource the name v0.1.0 gave it, so
the upgrade test can hold the engine's alias rules to a stack whose ordinals and slot indexes
differ. The result is kept in
`tests/fixtures/upgrade/v0.1.0-ordinals-start-1/staging/plan.json`.

    python tools/legacy_ordinals_plan.py
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "upgrade" / "v0.1.0-ordinals-start-1" / "staging" / "plan.json"
START = 1
NEW_SINCE = {
    "pulumi:index:Stash",
    "random:index/randomBytes:RandomBytes",
    "kubernetes:monitoring.googleapis.com/v1:PodMonitoring",
}


def legacy_name(name: str, app: str) -> str:
    """The logical name v0.1.0 gave a resource the current version names `name`."""
    name = re.sub(r"^app(?=-|$)", app, name)
    volume = re.fullmatch(rf"({app}-storage-[a-z0-9-]+?)-(\d+)(-g\d+)?", name)
    if volume and not name.endswith(("-class", "-snapshots")):
        return f"{volume.group(1)}-{int(volume.group(2)) + START}{volume.group(3) or ''}"
    patch = re.fullmatch(rf"{app}-workload-([a-z0-9-]+?)-(\d+)-size", name)
    if patch:
        return f"{app}-workload-{patch.group(1)}-{app}-{int(patch.group(2)) + START}"
    return name


def legacy_urn(urn: str, app: str) -> str:
    head, types, name = urn.rsplit("::", 2)
    return f"{head}::{types}::{legacy_name(name, app)}"


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from components.offline.render import main as render

    with tempfile.TemporaryDirectory() as out:
        overrides = [
            "--config",
            f"rollout.ordinalsStart={START}",
            "--config",
            "redis.metrics=false",
        ]
        code = render(["--stack", "staging", "--out", out, "--program", str(ROOT), *overrides])
        if code:
            return code
        plan = json.loads((Path(out) / "plan.json").read_text())
    app = next(
        r["inputs"]["metadata"]["name"]
        for r in plan["resources"]
        if r["type"] == "kubernetes:apps/v1:StatefulSet"
    )
    resources = []
    gone = {r["urn"] for r in plan["resources"] if r["type"] in NEW_SINCE}
    for r in plan["resources"]:
        if r["urn"] in gone:
            continue
        r["urn"] = legacy_urn(r["urn"], app)
        r["name"] = legacy_name(r["name"], app)
        if r.get("parent"):
            r["parent"] = legacy_urn(r["parent"], app)
        r["dependencies"] = [
            legacy_urn(d, app) for d in r.get("dependencies") or [] if d not in gone
        ]
        r["options"]["aliases"] = []
        resources.append(r)
    plan["resources"] = resources
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
