// The same pattern as the dev stack's manifests, written with cdk8s and cdk8s-plus: one
// pinned PersistentVolume per replica (a pre-provisioned GCE disk through the PD CSI driver,
// bound to its claim, in its zone), the headless governing Service and the StatefulSet with
// its volumeClaimTemplates. The peer that bench/peer_bench.py times the fast render against.
//
//   node synth.js <replicas> <outdir>
const { App, Chart, ApiObject, JsonPatch, Size } = require("cdk8s");
const kplus = require("cdk8s-plus-32");

const replicas = Number(process.argv[2] || 3);
const outdir = process.argv[3] || "dist";
const app = new App({ outdir });
const chart = new Chart(app, "kubia");
const zones = ["europe-west1-b", "europe-west1-c", "europe-west1-d"];

for (let i = 0; i < replicas; i++) {
  const zone = zones[i % zones.length];
  const disk = `kubia-dev-kubia-dev-kubia-data-${i}`;
  new ApiObject(chart, `pv-${i}`, {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: disk, labels: { app: "kubia" } },
    spec: {
      capacity: { storage: "1Gi" },
      accessModes: ["ReadWriteOnce"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "kubia-dev-kubia-dev-kubia",
      claimRef: { namespace: "kubia-dev", name: `data-kubia-${i}` },
      csi: {
        driver: "pd.csi.storage.gke.io",
        volumeHandle: `projects/acme/zones/${zone}/disks/${disk}`,
        fsType: "ext4",
      },
      nodeAffinity: {
        required: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: [zone] }] },
          ],
        },
      },
    },
  });
}

const service = new kplus.Service(chart, "kubia", {
  metadata: { name: "kubia", namespace: "kubia-dev" },
  clusterIP: "None",
  ports: [{ name: "http", port: 80, targetPort: 8080 }],
});
const statefulSet = new kplus.StatefulSet(chart, "statefulset", {
  metadata: { name: "kubia", namespace: "kubia-dev" },
  service,
  replicas,
  containers: [
    {
      name: "kubia",
      image: "luksa/kubia-pet",
      portNumber: 8080,
      resources: {
        cpu: { request: kplus.Cpu.millis(100) },
        memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
      },
      volumeMounts: [],
    },
  ],
});
ApiObject.of(statefulSet).addJsonPatch(
  JsonPatch.add("/spec/template/spec/containers/0/volumeMounts", [
    { name: "data", mountPath: "/var/data" },
  ]),
  JsonPatch.add("/spec/volumeClaimTemplates", [
    {
      metadata: { name: "data" },
      spec: {
        accessModes: ["ReadWriteOnce"],
        storageClassName: "kubia-dev-kubia-dev-kubia",
        resources: { requests: { storage: "1Gi" } },
      },
    },
  ]),
);
app.synth();
