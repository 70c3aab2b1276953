// The dev and prod apps of this repository's stacks/ files, as a TypeScript program: the
// stack's name picks one (pulumi stack init dev | prod). Inputs are the schema's, camelCase;
// enums take their values as string literals.
import * as pulumi from "@pulumi/pulumi";
import * as gkeStateful from "@pulumi/gke-stateful";

const config = new pulumi.Config();

// Development: the kubia pet on one cheap zonal disk, deleted with the stack.
const devArgs: gkeStateful.StatefulAppArgs = {
    name: "kubia",
    preset: "kubia",
    namespace: "kubia-dev",
    replicas: 1,
    gcpProject: "acme-stateful-dev",
    volumeScope: "kubia-dev",
    storage: {
        zones: ["europe-west1-b"],
        storageSlots: 1,
        diskType: "pd-standard",
        diskSizeGb: 10,
    },
    protection: { allowDataDeletion: true },
    network: {
        clientService: true,
        clientLabel: [{ "app.kubernetes.io/part-of": "kubia-demo" }],
    },
};

// Production: Redis in three zones, one SSD disk per slot pinned to its zone, snapshots
// every 4 hours kept 14 days, customer-managed encryption, everything protected.
const prodArgs: gkeStateful.StatefulAppArgs = {
    name: "redis",
    preset: "redis",
    namespace: "redis",
    replicas: 3,
    gcpProject: "acme-stateful-prod",
    volumeScope: "redis-prod",
    storage: {
        zones: ["us-central1-a", "us-central1-b", "us-central1-c"],
        placement: ["us-central1-a", "us-central1-b", "us-central1-c"],
        storageSlots: 3,
        diskType: "pd-ssd",
        diskSizeGb: 200,
        kmsKey: "projects/acme-security/locations/us-central1/keyRings/disks/cryptoKeys/redis-prod",
    },
    snapshots: {
        snapshotSchedule: "hourly",
        snapshotHoursInCycle: 4,
        snapshotRetentionDays: 14,
    },
    protection: { protect: true },
    container: { cpuRequest: "500m", memoryRequest: "2Gi", memoryLimit: "2Gi" },
    rollout: { minReadySeconds: 10 },
    network: { clientLabel: [{ "app.kubernetes.io/part-of": "checkout" }] },
    security: { workloadIdentity: "redis-backup@acme-stateful-prod.iam.gserviceaccount.com" },
    // One primary and two replicas, a Sentinel beside each pod, as the prod stack runs them.
    redis: { replication: true },
    password: config.requireSecret("password"),
};

const args = pulumi.getStack() === "prod" ? prodArgs : devArgs;
const app = new gkeStateful.StatefulApp("app", args);

export const podDnsNames = app.podDnsNames;
export const diskNames = app.diskNames;
export const placement = app.placement;
