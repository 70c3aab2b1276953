"""The StatefulSet whose claim templates bind, ordinal by ordinal, to the pre-made PVs."""

from __future__ import annotations

import json
from typing import Any

from ..settings.app_settings import AppSettings
from .labels import app_labels, metadata, selector_labels
from .pod import config_checksum, pod_spec
from .storage import CLAIM_TEMPLATE_REQUEST


def claim_templates(settings: AppSettings, class_name: str) -> list[dict[str, Any]]:
    """One claim template per claim: its class and access modes match its PVs.

    The request is a fixed floor every PV satisfies: templates are immutable, so a size in
    them would turn every disk growth into a StatefulSet replacement.
    """
    return [
        {
            "metadata": {"name": claim.name, "labels": selector_labels(settings)},
            "spec": {
                "accessModes": [settings.storage.access_mode],
                "storageClassName": class_name,
                "resources": {"requests": {"storage": CLAIM_TEMPLATE_REQUEST}},
            },
        }
        for claim in settings.storage.claims
    ]


# pulumi-kubernetes reads this annotation from the old state on every delete, `pulumi destroy`
# included (provider/pkg/metadata/overrides.go, DeletionPropagation; provider.go, Delete), and
# waits for the object to be gone (await/await.go, Deletion). Foreground keeps the StatefulSet
# until its pods (and the claims it owns) are gone, so what depends on it (the NetworkPolicy,
# the PVs, the disks) is deleted only after no pod runs. `orphan` would leave the pods running.
DELETION_PROPAGATION = {"pulumi.com/deletionPropagationPolicy": "foreground"}
WAIT_FOR = "pulumi.com/waitFor"


def partitioned_rollout_wait(settings: AppSettings) -> str | None:
    """What `pulumi up` waits for when a partition holds part of the rollout back, or None.

    pulumi-kubernetes' StatefulSet await needs currentRevision == updateRevision and every
    replica current (await/statefulset.go, processStatefulSetEvent), which a partitioned
    rollout never reaches. A `pulumi.com/waitFor` expression replaces that await (await.go,
    Creation and Update); it is checked only once status.observedGeneration has caught up
    (await/condition/jsonpath.go, Satisfied). The partition counts from ordinals.start
    (kubernetes stateful_set_control.go, updateStatefulSet: replicaIdx := ord - start, pods
    from index `partition` up are updated), so the rollout is done when every pod is ready and
    at least `replicas - partition` run the new revision (all of them on a fresh create).
    The filter avoids a single `=`, which the annotation's parser takes as the value separator
    (provider/pkg/jsonpath/jsonpath.go, Parse).
    """
    if settings.rollout.update_strategy != "RollingUpdate" or not settings.rollout.partition:
        return None
    if not settings.replicas:
        return None
    ready = f"@.readyReplicas == {settings.replicas}"
    updated = max(settings.replicas - settings.rollout.partition, 0)
    test = ready if not updated else f"{ready} && @.updatedReplicas > {updated - 1}"
    return json.dumps([f"jsonpath={{$[?{test}]}}"])


# The StatefulSet field that says what happens to its claims.
RETENTION = "persistentVolumeClaimRetentionPolicy"


def retention_policy(settings: AppSettings, deletion_armed: bool = False) -> dict[str, str]:
    """What happens to the claims when the StatefulSet is deleted or scaled down.

    Retained, unless the stack allows data deletion: then the claims go with the StatefulSet
    (and with pods removed by a scale-down when no slot is retired), so that the PVs they are
    bound to can be deleted (a bound PV stays Terminating: storage-object-in-use protection)
    and the disks after them. A scale-down's claims go only once `deletion_armed`: an earlier
    update recorded `allowDataDeletion` (`deletion_arming`), since the StatefulSet controller
    deletes them in the very update that says so, where the engine would refuse the PVs' and
    disks' deletes (they are judged by the state before it). A blueprint is a new stack's
    first update, so it says Retain there.
    """
    if not settings.protection.allow_data_deletion:
        return {"whenDeleted": "Retain", "whenScaled": "Retain"}
    follows = settings.replicas == settings.storage.storage_slots and deletion_armed
    return {"whenDeleted": "Delete", "whenScaled": "Delete" if follows else "Retain"}


def update_strategy(settings: AppSettings) -> dict[str, Any]:
    if settings.rollout.update_strategy == "OnDelete":
        return {"type": "OnDelete"}
    return {"type": "RollingUpdate", "rollingUpdate": {"partition": settings.rollout.partition}}


# On a StatefulSet whose pods need a weaker Pod Security level than restricted.
POD_SECURITY_ANNOTATION = "gke-stateful/pod-security-level"


def statefulset(settings: AppSettings, service_name: str, class_name: str) -> dict[str, Any]:
    """The StatefulSet, governed by `service_name`, claiming from `class_name`."""
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            **metadata(settings, settings.name, "server"),
            "annotations": {
                **DELETION_PROPAGATION,
                "pulumi.com/timeoutSeconds": str(settings.rollout.await_timeout_seconds),
                **({WAIT_FOR: wait} if (wait := partitioned_rollout_wait(settings)) else {}),
                # Said where it is deployed: these pods need a namespace that enforces no more.
                **(
                    {POD_SECURITY_ANNOTATION: settings.security.pod_security_level}
                    if settings.security.pod_security_level != "restricted"
                    else {}
                ),
            },
        },
        "spec": {
            "serviceName": service_name,
            "replicas": settings.replicas,
            "selector": {"matchLabels": selector_labels(settings)},
            "podManagementPolicy": settings.rollout.pod_management_policy,
            "updateStrategy": update_strategy(settings),
            "minReadySeconds": settings.rollout.min_ready_seconds,
            # GA in Kubernetes 1.31; left out at 0 so that older clusters take the manifest.
            **(
                {"ordinals": {"start": settings.rollout.ordinals_start}}
                if settings.rollout.ordinals_start
                else {}
            ),
            RETENTION: retention_policy(settings),
            "template": {
                "metadata": {
                    "labels": app_labels(settings, "server"),
                    "annotations": {"checksum/config": config_checksum(settings)},
                },
                "spec": pod_spec(settings),
            },
            "volumeClaimTemplates": claim_templates(settings, class_name),
        },
    }
