"""The change preview on plans written here by hand: every slot's whole verdict (claim, disks
before and after, reason), the report as printed and as JSON, the engine's alias rules and
the recorded sizes, each expected value written out, not computed by the code under test.
Fast: no program runs."""

from __future__ import annotations

from typing import Any

from components.offline.change_preview import (
    ChangeReport,
    ResourceChange,
    SlotVerdict,
    _gibibytes,
    alias_urns,
    compare,
    recorded_disk_sizes,
    recorded_stashes,
    report_text,
)
from tests.helpers import plan_resource

DISK = "gcp:compute/disk:Disk"
PV = "kubernetes:core/v1:PersistentVolume"
STS = "kubernetes:apps/v1:StatefulSet"
STASH = "pulumi:index:Stash"
PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch"
resource = plan_resource


def disk(name: str, generation: int | None = 0, zone: str = "z1", kind: str = "pd-ssd", **extra):
    """A created disk, logical name `d-<name>`; `generation` None leaves out its labels."""
    inputs: dict[str, Any] = {"name": name, "zone": zone, "type": kind}
    if generation is not None:
        inputs["labels"] = {"generation": str(generation)}
    options = {k: extra.pop(k) for k in ("protect", "retainOnDelete") if k in extra}
    inputs.update(extra)
    return resource(DISK, f"d-{name}", inputs, **options)


def pv(name: str, claim: str, **options: Any):
    """The PV of disk `name` (named as it), bound to claim `ns/<claim>`."""
    return resource(
        PV,
        f"pv-{name}",
        {
            "kind": "PersistentVolume",
            "metadata": {"name": name},
            "spec": {
                "claimRef": {"namespace": "ns", "name": claim},
                "csi": {"volumeHandle": f"projects/p/zones/z1/disks/{name}"},
            },
        },
        **options,
    )


def statefulset(replicas: int, replicating: bool, start: int | None = None):
    spec: dict[str, Any] = {
        "replicas": replicas,
        "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
        "template": {
            "spec": {
                "containers": [
                    {"name": "exporter"},  # the image's own entrypoint: no command
                    {"name": "app", "command": ["redis-server", "--replicaof", "x"]}
                    if replicating
                    else {"name": "app", "command": ["redis-server"]},
                ]
            }
        },
    }
    if start is not None:
        spec["ordinals"] = {"start": start}
    return resource(
        STS,
        "sts",
        {"kind": "StatefulSet", "metadata": {"name": "app", "namespace": "ns"}, "spec": spec},
    )


def test_every_slot_gets_its_own_whole_verdict_in_one_report():
    protected = {"protect": True}
    previous = [
        # 0: the generation went down (1 -> 0).
        disk("disk-0-g1", 1),
        pv("disk-0-g1", "data-app-0"),
        # 1: no labels before, generation 0 now: the same disk (a label update).
        disk("disk-1", None),
        pv("disk-1", "data-app-1"),
        # 2: a new generation restored from a snapshot.
        disk("disk-2", 0),
        pv("disk-2", "data-app-2"),
        # 4: the slot removed, its disk and PV retained.
        disk("disk-4", 0, retainOnDelete=True),
        pv("disk-4", "data-app-4", retainOnDelete=True),
        # 5: a protected disk moved to another zone.
        disk("disk-5", 0, protect=True),
        pv("disk-5", "data-app-5", **protected),
        # 6: an unprotected disk given another type.
        disk("disk-6", 0),
        pv("disk-6", "data-app-6"),
        # 7: a new generation while the old PV is protected.
        disk("disk-7-g1", 1, protect=True),
        pv("disk-7-g1", "data-app-7", **protected),
        # 9: labels without a generation before, generation 0 now.
        {
            **disk("disk-9", 0),
            "inputs": {"name": "disk-9", "zone": "z1", "type": "pd-ssd", "labels": {}},
        },
        pv("disk-9", "data-app-9"),
        # b: generation 1, kept.
        disk("disk-b-g1", 1),
        pv("disk-b-g1", "data-app-b"),
    ]
    current = [
        disk("disk-0", 0),
        pv("disk-0", "data-app-0"),
        disk("disk-1", 0),
        pv("disk-1", "data-app-1"),
        disk("disk-2-g1", 1, snapshot="snap-a"),
        pv("disk-2-g1", "data-app-2"),
        # 3: a disk adopted (read, not created).
        resource(DISK, "d-legacy-3", {"id": "projects/p/zones/z1/disks/legacy-3"}, read=True),
        pv("legacy-3", "data-app-3"),
        disk("disk-5", 0, zone="z2", protect=True),
        pv("disk-5", "data-app-5", **protected),
        disk("disk-6", 0, kind="pd-balanced"),
        pv("disk-6", "data-app-6"),
        disk("disk-7-g2", 2, protect=True),
        pv("disk-7-g2", "data-app-7", **protected),
        # 8: a new slot, no labels.
        disk("disk-8", None),
        pv("disk-8", "data-app-8"),
        disk("disk-9", 0),
        pv("disk-9", "data-app-9"),
        disk("disk-b-g1", 1),
        pv("disk-b-g1", "data-app-b"),
    ]
    replaced = (
        "its disk would be replaced (for type), so the claim would start on an empty disk; "
        "the program refuses it: keep those settings, or move the slot with a new generation "
        "(docs/operations.md, 'Moving a slot')"
    )
    left = (
        "storage.retiredGenerations: generation 1 of the slot (disk-7-g1) would leave the "
        "stack (protected: the delete is refused); keep it by adding 1 to the slot's "
        "retiredGenerations entry, or release it first (docs/operations.md, 'Moving a slot')"
    )
    down = (
        "storage.slotGenerations: its generation went down (1 -> 0): the disk and PV of the "
        "lower generation were retained or deleted when it was raised, so creating them "
        "again fails or starts empty; generations only go up"
    )
    assert compare(previous, current).slots == [
        SlotVerdict("ns/data-app-0", "refused", "disk-0-g1", "disk-0", down),
        SlotVerdict("ns/data-app-1", "keeps its disk", "disk-1", "disk-1"),
        SlotVerdict("ns/data-app-2", "new disk from snapshot snap-a", "disk-2", "disk-2-g1"),
        SlotVerdict("ns/data-app-3", "adopts an existing disk", None, "legacy-3"),
        SlotVerdict("ns/data-app-4", "slot removed, disk and PV kept", "disk-4", None),
        SlotVerdict(
            "ns/data-app-5", "refused", "disk-5", "disk-5", "protected: the replacement is refused"
        ),
        SlotVerdict("ns/data-app-6", "refused", "disk-6", "disk-6", replaced),
        SlotVerdict("ns/data-app-7", "refused", "disk-7-g1", "disk-7-g2", left),
        SlotVerdict("ns/data-app-8", "new empty disk", None, "disk-8"),
        SlotVerdict("ns/data-app-9", "keeps its disk", "disk-9", "disk-9"),
        SlotVerdict("ns/data-app-b", "keeps its disk", "disk-b-g1", "disk-b-g1"),
    ]


def slots(count: int, generation: int = 0) -> list[dict[str, Any]]:
    suffix = f"-g{generation}" if generation else ""
    return [
        r
        for i in range(count)
        for r in (disk(f"disk-{i}{suffix}", generation), pv(f"disk-{i}{suffix}", f"data-app-{i}"))
    ]


def test_replication_turned_on_where_no_statefulset_was_replaces_the_replicas_contents():
    # No StatefulSet before (an earlier stack that held only the storage), no `ordinals` in
    # the new one: the pods start at ordinal 0, pod 0 the primary, 1 and 2 its replicas.
    report = compare(slots(3), [*slots(3), statefulset(3, replicating=True)])
    assert report.slots == [
        SlotVerdict("ns/data-app-0", "keeps its disk", "disk-0", "disk-0"),
        SlotVerdict("ns/data-app-1", "keeps its disk, contents replaced", "disk-1", "disk-1"),
        SlotVerdict("ns/data-app-2", "keeps its disk, contents replaced", "disk-2", "disk-2"),
    ]


def test_a_new_primary_disk_replaces_the_replicas_contents_keeping_both_disk_names():
    before = [*slots(2), statefulset(2, replicating=True, start=0)]
    after = [
        disk("disk-0-g1", 1),
        pv("disk-0-g1", "data-app-0"),
        *slots(2)[2:],
        statefulset(2, replicating=True, start=0),
    ]
    reason = (
        "ns/data-app-0 starts as the primary on its new empty disk, and every replica "
        "resyncs from it"
    )
    # Pod 0's old disk leaves the stack unprotected (deleted), so its slot is a new empty disk.
    assert compare(before, after).slots == [
        SlotVerdict("ns/data-app-0", "new empty disk", "disk-0", "disk-0-g1"),
        SlotVerdict(
            "ns/data-app-1", "keeps its disk, contents replaced", "disk-1", "disk-1", reason
        ),
    ]


def test_another_namespace_refuses_every_slot_naming_both_statefulsets():
    moved = statefulset(1, replicating=False)
    moved = {
        **moved,
        "inputs": {**moved["inputs"], "metadata": {"name": "app", "namespace": "other"}},
    }
    reason = (
        "namespace: the StatefulSet ns/app would become other/app, a new StatefulSet on new "
        "claims while the old one and its storage leave the stack; keep namespace, or make a "
        "new stack restored from snapshots"
    )
    report = compare([*slots(2), statefulset(1, False)], [*slots(2), moved])
    assert report.slots == [
        SlotVerdict("ns/data-app-0", "refused", "disk-0", "disk-0", reason),
        SlotVerdict("ns/data-app-1", "refused", "disk-1", "disk-1", reason),
    ]


# --- the report, as printed and as JSON -----------------------------------------------------


REPORT = ChangeReport(
    [
        ResourceChange("urn:pulumi:s::p::t::same-one", "t", "same"),
        ResourceChange("urn:pulumi:s::p::t::a", "t", "update", ["spec.replicas", "spec.x"]),
        ResourceChange(
            "urn:pulumi:s::p::gcp:compute/disk:Disk::d",
            DISK,
            "replace",
            ["type", "labels"],
            ["type"],
            True,
        ),
        ResourceChange("urn:pulumi:s::p::t::c", "t", "replace", ["x"], ["x", "y"], False, "why"),
        ResourceChange("urn:pulumi:s::p::t::e", "t", "delete"),
    ],
    [
        SlotVerdict("ns/data-app-0", "keeps its disk", "disk-0", "disk-0"),
        SlotVerdict("ns/data-app-1", "new empty disk", None, "disk-1"),
        SlotVerdict("ns/data-app-2", "slot removed, disk and PV kept", "disk-2", None),
        SlotVerdict("ns/data-app-3", "refused", "disk-3", "disk-3", "because"),
    ],
)


def test_the_report_prints_every_change_but_the_same_ones_then_each_slot():
    assert report_text(REPORT) == "\n".join(
        [
            "changes:",
            "  update   a (t); spec.replicas, spec.x",
            "  replace  d (gcp:compute/disk:Disk); replaced for type (delete first)",
            "  replace  c (t); replaced for x, y (create first); why",
            "  delete   e (t)",
            "data, per claim:",
            "  ns/data-app-0: keeps its disk",
            "  ns/data-app-1: new empty disk (- -> disk-1)",
            "  ns/data-app-2: slot removed, disk and PV kept (disk-2 -> -)",
            "  ns/data-app-3: refused; because",
        ]
    )


def test_a_report_with_nothing_changing_says_none():
    quiet = ChangeReport([ResourceChange("urn:pulumi:s::p::t::a", "t", "same")], [])
    assert report_text(quiet) == "changes:\n  none\ndata, per claim:"


def test_the_json_report_lists_the_changes_and_every_slot():
    data = REPORT.as_json()
    assert data["refused"] is True
    assert [r["urn"].rsplit("::", 1)[-1] for r in data["resources"]] == ["a", "d", "c", "e"]
    assert data["resources"][1] == {
        "urn": "urn:pulumi:s::p::gcp:compute/disk:Disk::d",
        "type": DISK,
        "action": "replace",
        "changed": ["type", "labels"],
        "forces_replacement": ["type"],
        "delete_before_replace": True,
        "reason": "",
    }
    assert data["slots"][1] == {
        "pvc": "ns/data-app-1",
        "verdict": "new empty disk",
        "disk_before": None,
        "disk_after": "disk-1",
        "reason": "",
    }
    assert len(data["slots"]) == 4


# --- what the earlier state recorded --------------------------------------------------------


def test_recorded_stashes_are_each_stashs_value_by_its_logical_name():
    previous = [
        resource(STASH, "app-slot-0", {"input": {"zone": "z1"}}),
        resource(STASH, "app-identity", {"input": "ns/app"}),
        resource(DISK, "d", {"input": "not a stash", "name": "d"}),
    ]
    assert recorded_stashes(previous) == {"app-slot-0": {"zone": "z1"}, "app-identity": "ns/app"}


def test_a_stash_s_recorded_value_is_its_output_where_the_plan_holds_one():
    # A Stash keeps what it recorded at creation; its latest input may say more (a retired
    # generation's record is marked so), and the next update compares with the output.
    kept = {**resource(STASH, "app-slot-0", {"input": {"zone": "z1", "retired": True}})}
    kept["outputs"] = {"output": {"zone": "z1"}}
    secret = {**resource(STASH, "app-armed", {"input": "[secret]"}), "outputs": {}}
    assert recorded_stashes([kept, secret]) == {
        "app-slot-0": {"zone": "z1"},
        "app-armed": "[secret]",
    }


def patch(claim: str, requests: Any) -> dict[str, Any]:
    resources = {} if requests is None else {"requests": requests}
    return resource(
        PATCH,
        f"size-{claim}",
        {"metadata": {"name": claim, "namespace": "ns"}, "spec": {"resources": resources}},
    )


def test_recorded_sizes_count_created_disks_and_well_formed_requests_only():
    grown = {**disk("disk-0", 0), "inputs": {**disk("disk-0", 0)["inputs"], "size": 200}}
    previous = [
        grown,
        pv("disk-0", "data-app-0"),
        # Read (adopted) disks were never created by the stack: not counted, whatever their inputs.
        resource(
            DISK, "d-adopted", {"id": "x/disks/adopted", "name": "adopted", "size": 900}, read=True
        ),
        # Another type that has a size is not a disk.
        resource("gcp:compute/snapshot:Snapshot", "s", {"name": "snap", "size": 700}),
        patch("data-app-0", {"storage": "500Mi"}),  # not in GiB: ignored
        patch("data-app-0", {"storage": 300}),  # not text: ignored
        patch("data-app-0", None),  # no request at all
        patch("data-app-9", {"storage": "400Gi"}),  # a claim with no disk here
    ]
    assert recorded_disk_sizes(previous) == {"disk-0": 200}
    assert recorded_disk_sizes([*previous, patch("data-app-0", {"storage": "250Gi"})]) == {
        "disk-0": 250
    }


def test_a_request_counts_only_when_written_as_whole_gibibytes():
    assert _gibibytes({"storage": "3Gi"}) == 3
    assert _gibibytes({"storage": "12xGi"}) is None
    assert _gibibytes({"storage": "Gi"}) is None
    assert _gibibytes({"storage": "30"}) is None
    assert _gibibytes({}) is None


# --- the engine's aliases ---------------------------------------------------------------------


def node(urn: str, parent: str | None = None, aliases: list[dict[str, Any]] | None = None):
    return {
        "urn": urn,
        "name": urn.rsplit("::", 1)[-1],
        "type": urn.split("::")[2].rsplit("$", 1)[-1],
        "parent": parent,
        "options": {"aliases": aliases or []},
    }


ROOT = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"


def test_an_alias_spec_fills_what_it_leaves_unset_from_the_resource():
    app = "urn:pulumi:s::p::x:index:App::app"
    other = "urn:pulumi:s::p::x:index:Other::holder"
    disk_urn = "urn:pulumi:s::p::x:index:App$gcp:compute/disk:Disk::app-d"
    aliases = [
        {"urn": "urn:pulumi:old::q::gcp:compute/disk:Disk::given"},
        {"spec": {"name": "renamed"}},
        {"spec": {"stack": "s2", "project": "p2", "type": "gcp:compute/disk:OldDisk", "name": "n"}},
        {"spec": {"project": "p3"}},
        {"spec": {"name": "top", "noParent": True}},
        {"spec": {"name": "moved", "parentUrn": other}},
        {"spec": {"name": "rooted", "parentUrn": ROOT}},
    ]
    resources = [
        node(ROOT),
        node(app, ROOT),
        node(other, ROOT),
        node(disk_urn, app, aliases),
    ]
    assert alias_urns(resources)[disk_urn] == [
        disk_urn,
        "urn:pulumi:old::q::gcp:compute/disk:Disk::given",
        "urn:pulumi:s::p::x:index:App$gcp:compute/disk:Disk::renamed",
        "urn:pulumi:s2::p2::x:index:App$gcp:compute/disk:OldDisk::n",
        "urn:pulumi:s::p3::x:index:App$gcp:compute/disk:Disk::app-d",
        "urn:pulumi:s::p::gcp:compute/disk:Disk::top",
        "urn:pulumi:s::p::x:index:Other$gcp:compute/disk:Disk::moved",
        "urn:pulumi:s::p::gcp:compute/disk:Disk::rooted",
    ]


def test_children_inherit_each_of_their_parents_old_urns_in_order():
    app = "urn:pulumi:s::p::x:index:App::app"
    part = "urn:pulumi:s::p::x:index:App$x:index:Part::app-part"
    leaf = "urn:pulumi:s::p::x:index:App$x:index:Part$gcp:compute/disk:Disk::app-part-d"
    other = "urn:pulumi:s::p::x:index:App$x:index:Part$gcp:compute/disk:Disk::lone"
    resources = [
        node(ROOT),
        node(app, ROOT, [{"spec": {"name": "redis"}}]),
        node(part, app),
        node(leaf, part, [{"spec": {"name": "app-part-e"}}]),
        node(other, part),
    ]
    got = alias_urns(resources)
    assert got[ROOT] == [ROOT]
    assert got[app] == [app, "urn:pulumi:s::p::x:index:App::redis"]
    # The part inherits the app's one old URN: its name's prefix "app" becomes "redis".
    assert got[part] == [part, "urn:pulumi:s::p::x:index:App$x:index:Part::redis-part"]
    # The leaf: itself, its own alias, then both under the part's old URN.
    under = "urn:pulumi:s::p::x:index:App$x:index:Part$gcp:compute/disk:Disk::"
    assert got[leaf] == [
        leaf,
        under + "app-part-e",
        under + "redis-part-d",
        under + "redis-part-e",
    ]
    # A name that does not start with the parent's keeps it: under the part's old URN (the
    # same type chain) that is its own URN again, listed once.
    assert got[other] == [other]


def test_a_pv_renamed_and_reformatted_is_refused_naming_both_fields():
    before = [disk("disk-0", 0), pv("disk-0", "data-app-0")]
    renamed = pv("disk-0", "data-app-0")
    renamed["inputs"]["metadata"]["name"] = "disk-0-renamed"
    renamed["inputs"]["spec"]["csi"]["fsType"] = "xfs"
    assert compare(before, [disk("disk-0", 0), renamed]).slots == [
        SlotVerdict(
            "ns/data-app-0",
            "refused",
            "disk-0",
            "disk-0",
            "its PV would be replaced (for metadata.name, spec.csi.fsType), so the claim would "
            "start on an empty disk; the program refuses it: keep those settings, or move the "
            "slot with a new generation (docs/operations.md, 'Moving a slot')",
        )
    ]


def test_a_schedule_moved_while_retained_stays_behind_in_its_old_region():
    def policy(region: str):
        inputs = {"name": "pol", "project": "p", "region": region}
        return resource(
            "gcp:compute/resourcePolicy:ResourcePolicy", "pol", inputs, retainOnDelete=True
        )

    (change,) = compare([policy("r1")], [policy("r2")]).resources
    assert (change.action, change.reason) == (
        "replace",
        "the old one stays, outside the state, in project p, r1",
    )


def test_two_resources_taking_one_old_urn_by_alias_stop_the_update():
    old = "urn:pulumi:s::p::t::old"
    first = resource("t", "a", {}, aliases=[{"urn": old}])
    second = resource("t", "b", {}, aliases=[{"urn": old}])
    report = compare([resource("t", "old", {})], [first, second])
    by_name = {c.urn.rsplit("::", 1)[-1]: c for c in report.resources}
    assert by_name["a"].action == "same"
    assert (by_name["b"].action, by_name["b"].type) == ("refused", "t")
    assert by_name["b"].reason.startswith(
        "the engine stops the update: its alias old is already a's, so it cannot move the stack"
    )


def test_a_pv_kept_while_its_disk_leaves_the_plan_is_refused_or_kept_as_the_disk_goes():
    before = [disk("disk-0", 0), pv("disk-0", "data-app-0"), *slots(2)[2:]]
    deleted = compare(before, [pv("disk-0", "data-app-0"), *slots(2)[2:]]).slots
    assert deleted == [
        SlotVerdict(
            "ns/data-app-0",
            "refused",
            "disk-0",
            "disk-0",
            "its disk would be deleted while its PV still points at it",
        ),
        SlotVerdict("ns/data-app-1", "keeps its disk", "disk-1", "disk-1"),
    ]
    protected = [disk("disk-0", 0, protect=True), pv("disk-0", "data-app-0")]
    (refused,) = compare(protected, [pv("disk-0", "data-app-0")]).slots
    assert (refused.verdict, refused.reason) == ("refused", "protected: the delete is refused")
    retained = [disk("disk-0", 0, retainOnDelete=True), pv("disk-0", "data-app-0")]
    (kept,) = compare(retained, [pv("disk-0", "data-app-0")]).slots
    assert kept.verdict == "keeps its disk"
