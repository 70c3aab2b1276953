"""Re-read the GCE replace rules from the Google provider's source, for the rules table.

pulumi-gcp bridges terraform-provider-google-beta. Given a clone of it (fetched by hand), this
reads each resource's top-level schema fields and whether each is `ForceNew: true`, whether
the resource has an Update function, and the fields its CustomizeDiff forces anew
(`customdiff.ForceNewIfChange`, `d.ForceNew`), and writes them as JSON. The test
`tests/test_replace_rules.py` holds `components/core/replace_rules.py` to the last extract,
kept in `tests/fixtures/replace_rules_extract.json`.

    python tools/replace_rules_extract.py <clone> [--ref v7.45.0] [--write]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXTRACT = ROOT / "tests" / "fixtures" / "replace_rules_extract.json"
FILES = {
    "gcp:compute/disk:Disk": "resource_compute_disk.go",
    "gcp:compute/regionDisk:RegionDisk": "resource_compute_region_disk.go",
    "gcp:compute/resourcePolicy:ResourcePolicy": "resource_compute_resource_policy.go",
    "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment": (
        "resource_compute_disk_resource_policy_attachment.go"
    ),
    "gcp:compute/regionDiskResourcePolicyAttachment:RegionDiskResourcePolicyAttachment": (
        "resource_compute_region_disk_resource_policy_attachment.go"
    ),
}
DIRECTORY = "google-beta/services/compute"


def _block(text: str, start: int) -> str:
    """The text of the brace block that opens at `start` (a `{`), without its braces."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
    raise ValueError("unbalanced braces")


def _top_level_entries(block: str) -> dict[str, str]:
    """`"field": { ... }` entries at the top of a schema map, by field."""
    entries: dict[str, str] = {}
    depth = 0
    i = 0
    while i < len(block):
        char = block[i]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            match = re.match(r'"([a-z0-9_]+)":\s*\{', block[i:])
            if match:
                body_start = i + match.end() - 1
                body = _block(block, body_start)
                entries[match.group(1)] = body
                i = body_start + len(body) + 2
                continue
        i += 1
    return entries


def _depth_zero(body: str) -> str:
    """The text of a schema entry outside its nested blocks (its own flags only)."""
    out, depth = [], 0
    for char in body:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            out.append(char)
    return "".join(out)


def _flag(body: str, name: str) -> bool:
    """Whether a schema entry sets `name: true` itself (not in a nested block)."""
    return re.search(rf"\b{name}:\s+true\b", _depth_zero(body)) is not None


def _without_strings(source: str) -> str:
    """The source with raw strings (descriptions) and quoted strings holding braces emptied,
    so that braces count blocks only."""
    source = re.sub(r"`[^`]*`", "``", source)
    return re.sub(r'"(?:[^"\\\n]|\\.)*[{}](?:[^"\\\n]|\\.)*"', '""', source)


def extract(source: str) -> dict[str, Any]:
    """The replace facts of one resource's Go source."""
    source = _without_strings(source)
    # The resource's own schema, two tabs in (an identity schema or nested ones are deeper).
    opening = re.search(r"^\t\tSchema: map\[string\]\*schema\.Schema\{", source, re.M)
    if opening is None:
        raise ValueError("no resource schema found")
    schema = _block(source, opening.end() - 1)
    fields = _top_level_entries(schema)
    force_new = sorted(f for f, body in fields.items() if _flag(body, "ForceNew"))
    computed_only = sorted(
        f
        for f, body in fields.items()
        if _flag(body, "Computed") and not _flag(body, "Optional") and not _flag(body, "Required")
    )
    nested = sorted(
        f
        for f, body in fields.items()
        if f not in force_new and re.search(r"\bForceNew:\s+true\b", body)
    )
    in_customize_diff = set(re.findall(r'field == "(\w+)" && d\.HasChange\(field\)', source))
    if "hyperDiskIopsUpdateDiffSuppress," in source:  # the zonal disk's function, reused
        in_customize_diff.add("provisioned_iops")
    return {
        "has_update": bool(re.search(r"\bUpdate:\s+resource\w+Update", source)),
        "nested_force_new": nested,
        "fields": sorted(fields),
        "force_new": force_new,
        "output_only": computed_only,
        "force_new_if_change": sorted(set(re.findall(r'ForceNewIfChange\("(\w+)"', source))),
        "force_new_in_customize_diff": sorted(in_customize_diff),
    }


def read(clone: Path, ref: str) -> dict[str, Any]:
    """Every resource's facts at `ref` of the clone."""
    result: dict[str, Any] = {"source": f"hashicorp/terraform-provider-google-beta {ref}"}
    commit = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", f"{ref}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    result["commit"] = commit
    for resource_type, name in FILES.items():
        text = subprocess.run(
            ["git", "-C", str(clone), "show", f"{ref}:{DIRECTORY}/{name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result[resource_type] = {"file": f"{DIRECTORY}/{name}", **extract(text)}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clone", type=Path, help="a git clone of terraform-provider-google-beta")
    parser.add_argument("--ref", default="v7.45.0", help="the tag or commit to read")
    parser.add_argument("--write", action="store_true", help=f"write {EXTRACT.name}")
    args = parser.parse_args(argv)
    text = json.dumps(read(args.clone, args.ref), indent=1, sort_keys=True) + "\n"
    if args.write:
        EXTRACT.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
