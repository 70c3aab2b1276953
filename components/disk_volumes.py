"""The DiskVolumes component: per claim and storage slot a GCE disk and the PV bound to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pulumi
import pulumi_gcp as gcp
from pydantic.alias_generators import to_snake

from .core.blueprint import AppBlueprint
from .core.deployed_disk import (
    adopted_problems,
    configured_fields,
    deployed_problems,
    placement_field,
    shrink_problem,
)
from .core.replace_rules import DISK, FROZEN, PV, REGION_DISK, ignored_fields, kept_fields
from .core.slot_record import retired_problems, retired_record, slot_problems, slot_record
from .core.storage import DiskSpec, Volume
from .kubernetes_objects import register_manifest
from .settings.app_settings import AppSettings
from .stack.config import InvalidConfigError
from .stash_guard import guarded, refused_unless_clear, without_dependencies

TYPE_TOKEN = "gke-stateful:index:DiskVolumes"
PV_IGNORED_CHANGES = ignored_fields(PV)


def disk_ignored_changes(spec: DiskSpec) -> list[str]:
    """A slot's disk's `ignoreChanges`: never planned from drift, since the CSI resizer grows
    disks (size) and a snapshot or a key only shape a disk when it is created; and every other
    field whose change would replace the disk, so the engine keeps what is deployed and the
    program refuses the change (`deployed_guard`). The rules table says which, with its
    reasons."""
    return kept_fields(REGION_DISK if spec.regional else DISK)


def deployed_guard(volume: Volume, disk: pulumi.CustomResource) -> pulumi.Output[list[str]]:
    """The fields of a slot's disk whose deployed value (the disk's outputs) the config now
    changes, one line each (`deployed_disk`)."""
    fields = list(configured_fields(volume))
    outputs = pulumi.Output.all(*[getattr(disk, to_snake(field)) for field in fields])
    return outputs.apply(
        lambda values: deployed_problems(volume, dict(zip(fields, values, strict=True)))
    )


def adopted_guard(volume: Volume, disk: pulumi.CustomResource) -> pulumi.Output[list[str]]:
    """What the read of an adopted disk says against the slot's placement and size, one
    line each (`deployed_disk.adopted_problems`)."""
    field = placement_field(volume.disk)
    found = pulumi.Output.all(getattr(disk, to_snake(field)), disk.size)  # type: ignore[attr-defined]
    return found.apply(
        lambda values: adopted_problems(volume, {field: values[0], "size": values[1]})
    )


def not_shrunk(disk: DiskSpec, current: float | None) -> str:
    """The claim request for `disk`, refusing a size below what the disk already has."""
    problem = shrink_problem(disk, current)
    if problem is not None:
        raise InvalidConfigError(problem)
    return f"{disk.size}Gi"


def attach_schedule(
    logical: str,
    spec: DiskSpec,
    disk: gcp.compute.Disk | gcp.compute.RegionDisk,
    policy: gcp.compute.ResourcePolicy,
    keep: pulumi.ResourceOptions,
) -> pulumi.CustomResource:
    """Attach the snapshot schedule to a disk, kept with it (a retained disk keeps its
    schedule). It names the disk by the disk's outputs, which are what is deployed (the disk
    keeps its name, zone and project: `disk_ignored_changes`), so a refused config change
    plans no replacement of an attachment (every field of one is ForceNew)."""
    opts = pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(depends_on=[disk]))
    if spec.regional:
        assert isinstance(disk, gcp.compute.RegionDisk)
        return gcp.compute.RegionDiskResourcePolicyAttachment(
            logical,
            name=policy.name,
            disk=disk.name,
            region=disk.region,
            project=disk.project,
            opts=opts,
        )
    assert isinstance(disk, gcp.compute.Disk)
    return gcp.compute.DiskResourcePolicyAttachment(
        logical,
        name=policy.name,
        disk=disk.name,
        zone=disk.zone,
        project=disk.project,
        opts=opts,
    )


def slot_guard(
    blueprint: AppBlueprint,
    logical: Callable[[Volume], str],
    options: Callable[[Volume], pulumi.ResourceOptions],
) -> pulumi.Output[bool]:
    """True once every slot's disk agrees with what a `pulumi.Stash` recorded when the disk
    was created (or is recorded now); refuses the update otherwise, naming every
    contradiction, before any disk or PV registers (both wait on this Output). One record per
    slot and generation, `<logical name>-record`: a new generation starts anew, and a retired
    generation is kept only if its record shows the stack created it."""
    problems = []
    for volume in blueprint.volumes:
        record = slot_record(blueprint.settings, volume)
        stash = pulumi.Stash(f"{logical(volume)}-record", input=record, opts=options(volume))
        problems.append(
            stash.output.apply(
                lambda recorded, r=record, i=volume.slot.index: slot_problems(recorded, r, i)
            )
        )
    main = blueprint.settings.storage.claims[0].name
    for volume in blueprint.retired_volumes:
        # The same Stash that recorded the generation while it was the slot's own.
        record = retired_record(blueprint.settings, volume)
        stash = pulumi.Stash(f"{logical(volume)}-record", input=record, opts=options(volume))
        problems.append(
            stash.output.apply(
                lambda recorded, r=record, v=volume: retired_problems(
                    recorded, r, v.slot.index, v.slot.generation, v.template != main
                )
            )
        )
    return refused_unless_clear(problems)


def zone_guard(settings: AppSettings, opts: pulumi.ResourceOptions) -> pulumi.Output[bool]:
    """True once GCE itself lists every zone of the stack for its region (the provider's
    zones lookup, run at preview); else the update stops before any disk or PV registers,
    naming the zones GCE has. The package's catalogue only stands in for this offline."""

    def check(names: list[str] | None) -> bool:
        missing = [zone for zone in settings.storage.zones if zone not in (names or [])]
        if missing:
            raise InvalidConfigError(
                f"storage.zones: GCE has no zone {', '.join(missing)} in region "
                f"{settings.storage.region} for project {settings.gcp_project}; it lists "
                f"{', '.join(names or []) or 'none'}"
            )
        return True

    found = gcp.compute.get_zones_output(
        project=settings.gcp_project,
        region=settings.storage.region,
        opts=pulumi.InvokeOutputOptions(parent=opts.parent),
    )
    return found.names.apply(check)


class DiskVolumes(pulumi.ComponentResource):
    """The app's StorageClass, disks, snapshot schedule and PVs (disk -> PV).

    Disks and PVs are retained when deleted unless the settings allow data deletion, and
    protected when the settings say so. Adopted disks are read, never created or deleted.
    """

    storage_class_name: pulumi.Output[str]
    disk_names: pulumi.Output[list[str]]
    disk_self_links: pulumi.Output[list[str]]
    pv_names: pulumi.Output[list[str]]

    def __init__(
        self,
        name: str,
        blueprint: AppBlueprint,
        opts: pulumi.ResourceOptions | None = None,
        after: Sequence[pulumi.Resource] = (),
    ) -> None:
        """`after`: resources every data resource waits on (the deletion record: an update
        turns it before it changes any disk's or PV's protection)."""
        super().__init__(TYPE_TOKEN, name, None, opts)
        settings = blueprint.settings
        self._legacy_names = settings.storage.legacy_volume_names
        # Every volume's own logical name: an alias must not name another volume's.
        self._own_names = {
            self._named(name, volume) for volume in (*blueprint.volumes, *blueprint.retired_volumes)
        }
        keep = pulumi.ResourceOptions(
            parent=self,
            protect=settings.protection.protects_data,
            retain_on_delete=not settings.protection.allow_data_deletion,
            depends_on=list(after),
        )
        self.storage_class = register_manifest(f"{name}-class", blueprint.storage_class, keep)
        self.snapshot_policy: gcp.compute.ResourcePolicy | None = None
        if blueprint.snapshot_policy is not None:
            self.snapshot_policy = gcp.compute.ResourcePolicy(
                f"{name}-snapshots", opts=keep, **blueprint.snapshot_policy.arguments()
            )
        self.disks: list[pulumi.CustomResource] = []
        self.pvs: list[pulumi.CustomResource] = []
        # Per PVC: the request that grows its disk, once checked against the disk's size.
        self.claim_requests: dict[str, pulumi.Output[str]] = {}
        # A record is protected as its disk is: it goes only with the disk (a slot removed
        # and added back must not start from a blank record while its disk still exists).
        records = pulumi.ResourceOptions(parent=self, protect=settings.protection.protects_data)
        slots_checked = slot_guard(
            blueprint,
            lambda volume: self._named(name, volume),
            lambda volume: self._identity(name, volume, records),
        )
        zones_checked = zone_guard(settings, pulumi.ResourceOptions(parent=self))
        checked = pulumi.Output.all(slots_checked, zones_checked).apply(all)
        disks = [self._disk(name, volume, keep, checked) for volume in blueprint.volumes]
        # The disks as deployed, checked before any PV or claim registers.
        # Each PV and claim depends on its own disk (`depends_on`), not on every slot's.
        deployed = without_dependencies(
            refused_unless_clear(
                [
                    adopted_guard(volume, disk)
                    if volume.disk.adopted
                    else deployed_guard(volume, disk)
                    for volume, disk in zip(blueprint.volumes, disks, strict=True)
                ]
            )
        )
        deployed_checked = pulumi.Output.all(checked, deployed).apply(all)
        for volume, disk in zip(blueprint.volumes, disks, strict=True):
            pv_metadata = volume.pv["metadata"]
            pv = register_manifest(
                self._named(name, volume),
                {**volume.pv, "metadata": guarded(pv_metadata, deployed_checked)},
                pulumi.ResourceOptions.merge(
                    self._identity(name, volume, keep),
                    pulumi.ResourceOptions(
                        depends_on=[disk, self.storage_class],
                        # The CSI resizer owns the capacity once the PV exists.
                        ignore_changes=PV_IGNORED_CHANGES,
                    ),
                ),
            )
            self.disks.append(disk)
            self.pvs.append(pv)
            self.claim_requests[volume.pvc_name] = pulumi.Output.all(disk.size, deployed).apply(
                lambda found, spec=volume.disk: not_shrunk(spec, found[0])
            )
        # Older generations of slots stay as they were created, protected as the stack is.
        frozen = pulumi.ResourceOptions.merge(keep, pulumi.ResourceOptions(ignore_changes=FROZEN))
        for volume in blueprint.retired_volumes:
            self._retired(name, volume, frozen, checked)
        self.storage_class_name = pulumi.Output.from_input(
            blueprint.storage_class["metadata"]["name"]
        )
        self.disk_names = pulumi.Output.from_input([v.disk.name for v in blueprint.volumes])
        self.disk_self_links = pulumi.Output.all(*[d.self_link for d in self.disks])
        self.pv_names = pulumi.Output.from_input([v.pv_name for v in blueprint.volumes])
        self.register_outputs(
            {
                "storageClassName": self.storage_class_name,
                "diskNames": self.disk_names,
                "diskSelfLinks": self.disk_self_links,
                "pvNames": self.pv_names,
            }
        )

    @staticmethod
    def _logical(name: str, volume: Volume, position: int | None = None) -> str:
        """A volume's logical name: its claim, its slot's index (or `position`), generation.

        Built from what never changes for a slot, so `ordinalsStart` moves no resource.
        """
        generation = f"-g{volume.slot.generation}" if volume.slot.generation else ""
        index = volume.slot.index if position is None else position
        return f"{name}-{volume.template}-{index}{generation}"

    def _named(self, name: str, volume: Volume) -> str:
        """The logical name the stack knows the volume by: by slot index, or by ordinal as
        v0.1.0 named it where the stack keeps those names (`storage.legacyVolumeNames`)."""
        if self._legacy_names:
            return self._logical(name, volume, volume.ordinal)
        return self._logical(name, volume)

    def _identity(
        self, name: str, volume: Volume, opts: pulumi.ResourceOptions
    ) -> pulumi.ResourceOptions:
        """`opts`, plus the alias of the name v0.1.0 gave the volume (it used the ordinal).

        The engine looks a resource up by its own URN first and takes an alias only when no
        other resource already has it (pulumi step_generator.go, getOldResource: errors 2008
        and 2016): where an ordinal equals another slot's index the alias cannot move the
        stack, which keeps the v0.1.0 names instead (`storage.legacyVolumeNames`)."""
        if volume.ordinal == volume.slot.index or self._legacy_names:
            return opts
        legacy = self._logical(name, volume, volume.ordinal)
        if volume.slot.generation and legacy in self._own_names:
            # A raised generation whose old name is another volume's own (slot `ordinal -
            # ordinalsStart` at the same generation): the alias could only take that
            # volume's resource, and the update would stop on it. (At generation 0 the
            # engine's refusal is what keeps a v0.1.0 stack from moving: see above.)
            return opts
        alias = pulumi.Alias(name=legacy)
        return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[alias]))

    def _retired(
        self,
        name: str,
        volume: Volume,
        frozen: pulumi.ResourceOptions,
        checked: pulumi.Output[bool],
    ) -> None:
        """A retired generation's disk, its schedule attachment and its PV, under the names
        they had while the generation was the slot's own, every input frozen (the engine
        keeps what the state holds), so nothing about them can change or be replaced."""
        logical = self._named(name, volume)
        opts = self._identity(name, volume, frozen)
        disk = self._managed_disk(logical, volume.disk, opts, opts, checked)
        register_manifest(
            logical,
            {**volume.pv, "metadata": guarded(volume.pv["metadata"], checked)},
            pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=[disk, self.storage_class])
            ),
        )

    def _disk(
        self,
        name: str,
        volume: Volume,
        keep: pulumi.ResourceOptions,
        checked: pulumi.Output[bool],
    ) -> pulumi.CustomResource:
        spec = volume.disk
        logical = self._named(name, volume)
        resource = gcp.compute.RegionDisk if spec.regional else gcp.compute.Disk
        if spec.adopted:
            # A read holds no state worth keeping: a new logical name is just a new read. It
            # waits on the guards as a create does: a read under a managed disk's URN with
            # another id deletes that disk at the end of the update (pulumi step_generator.go,
            # `GenerateReadSteps`, read-replacement), so a refused config must not reach it.
            resource_id = checked.apply(lambda _: spec.resource_id)
            return resource.get(logical, resource_id, opts=pulumi.ResourceOptions(parent=self))
        keep = self._identity(name, volume, keep)
        disk_opts = pulumi.ResourceOptions.merge(
            keep, pulumi.ResourceOptions(ignore_changes=disk_ignored_changes(spec))
        )
        return self._managed_disk(logical, spec, disk_opts, keep, checked)

    def _managed_disk(
        self,
        logical: str,
        spec: DiskSpec,
        opts: pulumi.ResourceOptions,
        attach_opts: pulumi.ResourceOptions,
        checked: pulumi.Output[bool],
    ) -> pulumi.CustomResource:
        """A disk the stack owns, registered once the guards have passed (its labels wait on
        them), with its snapshot schedule attached when the stack has one."""
        resource = gcp.compute.RegionDisk if spec.regional else gcp.compute.Disk
        arguments = spec.arguments()
        arguments["labels"] = guarded(arguments["labels"], checked)
        disk = resource(logical, opts=opts, **arguments)
        if self.snapshot_policy is not None:
            attach_schedule(logical, spec, disk, self.snapshot_policy, attach_opts)
        return disk
