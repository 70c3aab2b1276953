"""The same resources as the gke-stateful program, declared flat: no component resources.

The benchmark's baseline. It computes the objects with the same core and registers each one
directly under the stack, with the same options and dependencies, so the difference measured
is what the components themselves cost.
"""

import pulumi
import pulumi_gcp as gcp

from components.core.blueprint import build_blueprint
from components.deletion_arming import deletion_arming
from components.disk_volumes import (
    PV_IGNORED_CHANGES,
    attach_schedule,
    deployed_guard,
    disk_ignored_changes,
    not_shrunk,
    slot_guard,
)
from components.kubernetes_objects import register_manifest
from components.password_secret import checksum_key, secret_data, with_secret_checksum
from components.stack.config import load_password, load_settings
from components.stash_guard import guarded, refused_unless_clear
from components.stateful_workload import refuse_replacement, with_retention

settings = load_settings()
password = load_password(settings)
bp = build_blueprint(settings)
arming = deletion_arming("deletion-armed", settings, pulumi.ResourceOptions())
keep = pulumi.ResourceOptions(
    protect=settings.protection.protects_data,
    retain_on_delete=not settings.protection.allow_data_deletion,
    depends_on=[arming.record],
)
storage_class = register_manifest("class", bp.storage_class, keep)
policy = (
    gcp.compute.ResourcePolicy("snapshots", opts=keep, **bp.snapshot_policy.arguments())
    if bp.snapshot_policy
    else None
)
pvs = []
requests = {}
checked = slot_guard(
    bp, lambda v: f"{v.template}-{v.slot.index}", lambda v: pulumi.ResourceOptions()
)
for volume in bp.volumes:
    name = f"{volume.template}-{volume.slot.index}"
    disk_class = gcp.compute.RegionDisk if volume.disk.regional else gcp.compute.Disk
    arguments = volume.disk.arguments()
    disk = disk_class(
        name,
        opts=pulumi.ResourceOptions.merge(
            keep, pulumi.ResourceOptions(ignore_changes=disk_ignored_changes(volume.disk))
        ),
        **{**arguments, "labels": guarded(arguments["labels"], checked)},
    )
    if policy is not None:
        attach_schedule(name, volume.disk, disk, policy, keep)
    deployed = refused_unless_clear([deployed_guard(volume, disk)])
    requests[volume.pvc_name] = pulumi.Output.all(disk.size, deployed).apply(
        lambda found, spec=volume.disk: not_shrunk(spec, found[0])
    )
    pvs.append(
        register_manifest(
            name,
            {**volume.pv, "metadata": guarded(volume.pv["metadata"], deployed)},
            pulumi.ResourceOptions.merge(
                keep,
                pulumi.ResourceOptions(
                    depends_on=[disk, storage_class], ignore_changes=PV_IGNORED_CHANGES
                ),
            ),
        )
    )
service = register_manifest("service", bp.service, pulumi.ResourceOptions())
if bp.client_service:
    register_manifest("client", bp.client_service, pulumi.ResourceOptions())
account = register_manifest("account", bp.service_account, pulumi.ResourceOptions())
needed = [account]
if bp.config_map:
    needed.append(register_manifest("config", bp.config_map, pulumi.ResourceOptions()))
manifest = bp.statefulset
if bp.secret and password is not None:
    secret = {**bp.secret, "stringData": secret_data(bp, password)}
    needed.append(register_manifest("auth", secret, pulumi.ResourceOptions()))
    # Named as the component names it: the offline engine's stand-in key follows the name.
    key = checksum_key("app-workload-checksum-key", pulumi.ResourceOptions())
    manifest = with_secret_checksum(bp, password, pulumi.Output.secret(key.hex))
if bp.network_policy:
    needed.append(register_manifest("network", bp.network_policy, pulumi.ResourceOptions()))
register_manifest("budget", bp.disruption_budget, pulumi.ResourceOptions())
manifest = with_retention(manifest, settings, arming.armed)
manifest = refuse_replacement("replacement-guard", manifest, bp, pulumi.ResourceOptions())
statefulset = register_manifest(
    "statefulset", manifest, pulumi.ResourceOptions(depends_on=[service, *needed, *pvs])
)
for patch in bp.claim_patches:
    request = requests[patch["metadata"]["name"]]
    register_manifest(
        patch["metadata"]["name"],
        {**patch, "spec": {"resources": {"requests": {"storage": request}}}},
        pulumi.ResourceOptions(depends_on=[statefulset], retain_on_delete=True),
        patch=True,
    )
pulumi.export("pvcNames", [v.pvc_name for v in bp.volumes])
