/** Drift repair of Obot's Deployment against the stand-in Kubernetes API (test/support/fake-kubernetes.ts). */
import { afterEach, beforeEach, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { DRIFT_LOCK } from "@/server/obot/drift";
import { obotStatusView } from "@/cli/commands/obot";
import type { ObotDriftConfig } from "@/server/config";
import { auditEvents } from "@/server/db/schema";
import { KubernetesClient } from "@/server/obot/kubernetes";
import { startServices, type Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { FakeKubernetes } from "./support/fake-kubernetes";
import { restClient, TEST_CONFIG } from "./support/services";

const FEED = "http://opencrane-control-plane.opencrane.svc:3001/api/internal/obot-registry";
const TOKEN = "k8s-token";

function obotDeployment(env: unknown[] | undefined) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "obot", namespace: "opencrane" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "obot" } },
      template: {
        metadata: { labels: { app: "obot" } },
        spec: {
          containers: [
            { name: "sidecar", image: "busybox:1.36", env: [{ name: "OBOT_SERVER_ENABLE_AUTHENTICATION", value: "true" }] },
            {
              name: "obot",
              image: "ghcr.io/obot-platform/obot:v0.25.1",
              resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "2Gi" } },
              ...(env ? { env } : {}),
            },
          ],
        },
      },
    },
  };
}

const DRIFTED_ENV = [
  { name: "OBOT_SERVER_DSN", valueFrom: { secretKeyRef: { name: "opencrane-obot", key: "dsn" } } },
  { name: "OBOT_SERVER_DEFAULT_MCPCATALOG_PATH", value: "https://somewhere.else/catalog" },
  { name: "OBOT_SERVER_ENABLE_AUTHENTICATION", value: "true" },
  // Set elsewhere: drift repair leaves it alone.
  { name: "OBOT_SERVER_MCPRUNTIME_BACKEND", valueFrom: { configMapKeyRef: { name: "obot-settings", key: "backend" } } },
  { name: "OBOT_SERVER_HOSTNAME", value: "http://obot.opencrane.svc:8080" },
];

describeEachDatabase("Obot drift repair", (database, kind) => {
  let kube: FakeKubernetes;
  let services: Services;

  async function servicesWith(drift: Partial<ObotDriftConfig>) {
    const config: ObotDriftConfig = {
      namespace: "opencrane",
      name: "obot",
      mode: "repair",
      intervalMs: 60_000,
      feedUrl: FEED,
      encryptionProvider: "none",
      kubernetesApiUrl: kube.url,
      kubernetesToken: TOKEN,
      ...drift,
    };
    services = await startServices({ ...TEST_CONFIG, obotDrift: config }, database(), {
      migrate: false,
      background: false,
      obotDrift: { log: () => undefined, kubernetes: new KubernetesClient({ apiUrl: kube.url, token: TOKEN, serviceAccountDir: "/nonexistent" }) },
    });
  }

  beforeEach(async () => {
    kube = await new FakeKubernetes(TOKEN).start();
  });
  afterEach(async () => {
    await services?.obotDrift?.stop();
    await kube.close();
  });

  const obotEnv = () => kube.get("opencrane", "obot").spec.template.spec.containers[1].env as { name: string; value?: string; valueFrom?: unknown }[];

  it("repairs drifted and missing variables, leaves valueFrom, image, replicas, resources and other containers alone, and audits", async () => {
    const before = kube.put(obotDeployment(DRIFTED_ENV));
    await servicesWith({});
    expect(await services.obotDrift!.check()).toBe("checked");
    const after = kube.get("opencrane", "obot");
    expect(kube.writes).toHaveLength(1);
    expect(obotEnv()).toEqual([
      DRIFTED_ENV[0],
      { name: "OBOT_SERVER_DEFAULT_MCPCATALOG_PATH", value: FEED },
      { name: "OBOT_SERVER_ENABLE_AUTHENTICATION", value: "false" },
      DRIFTED_ENV[3],
      DRIFTED_ENV[4],
      { name: "OBOT_SERVER_DISALLOW_PRIVATE_IPMCP", value: "false" },
      { name: "OBOT_SERVER_ENCRYPTION_PROVIDER", value: "none" },
    ]);
    const strip = (d: any) => {
      const copy = structuredClone(d);
      delete copy.metadata.resourceVersion;
      delete copy.metadata.generation;
      delete copy.spec.template.spec.containers[1].env;
      return copy;
    };
    expect(strip(after)).toEqual(strip(before));
    expect(after.spec.template.spec.containers[0]).toEqual(before.spec.template.spec.containers[0]);

    const view = services.obotDrift!.view();
    expect(view).toMatchObject({ deployment: "opencrane/obot", mode: "repair", state: "repaired", message: expect.stringContaining("rolls Obot's pods") });
    expect(view.lastRepairedAt).not.toBeNull();
    expect(view.variables).toEqual([
      { name: "OBOT_SERVER_DEFAULT_MCPCATALOG_PATH", intended: FEED, actual: "https://somewhere.else/catalog", action: "patched" },
      { name: "OBOT_SERVER_ENABLE_AUTHENTICATION", intended: "false", actual: "true", action: "patched" },
      { name: "OBOT_SERVER_MCPRUNTIME_BACKEND", intended: "kubernetes", actual: "valueFrom configMapKeyRef obot-settings/backend", action: "set-elsewhere" },
      { name: "OBOT_SERVER_DISALLOW_PRIVATE_IPMCP", intended: "false", actual: null, action: "added" },
      { name: "OBOT_SERVER_ENCRYPTION_PROVIDER", intended: "none", actual: null, action: "added" },
    ]);
    const audit = await services.db.select().from(auditEvents).where(eq(auditEvents.action, "obot.deployment_env_repair"));
    expect(audit.at(-1)).toMatchObject({
      actorKind: "system",
      entityType: "obot_deployment",
      entityId: "opencrane/obot",
      before: { OBOT_SERVER_DEFAULT_MCPCATALOG_PATH: "https://somewhere.else/catalog", OBOT_SERVER_DISALLOW_PRIVATE_IPMCP: null },
      after: { OBOT_SERVER_DEFAULT_MCPCATALOG_PATH: FEED, OBOT_SERVER_DISALLOW_PRIVATE_IPMCP: "false" },
    });

    // In line now: the next check writes nothing.
    await services.obotDrift!.check();
    expect(kube.writes).toHaveLength(1);
    expect(services.obotDrift!.view().state).toBe("in-line");
    const rest = await restClient(services)("GET", "/api/v1/obot");
    expect(rest.body.drift).toMatchObject({ deployment: "opencrane/obot", mode: "repair", state: "in-line" });
    expect(obotStatusView(rest.body)).toMatch(/OBOT_SERVER_MCPRUNTIME_BACKEND\s+kubernetes\s+valueFrom configMapKeyRef obot-settings\/backend\s+set-elsewhere/);
    expect(await services.metrics.registry.metrics()).toMatch(/opencrane_obot_drift_repairs_total\{result="ok"\} 1/);
  });

  it("a container without env gets the variables added", async () => {
    kube.put(obotDeployment(undefined));
    await servicesWith({ encryptionProvider: undefined });
    await services.obotDrift!.check();
    expect(obotEnv().map((e) => e.name)).toEqual([
      "OBOT_SERVER_DEFAULT_MCPCATALOG_PATH",
      "OBOT_SERVER_ENABLE_AUTHENTICATION",
      "OBOT_SERVER_MCPRUNTIME_BACKEND",
      "OBOT_SERVER_DISALLOW_PRIVATE_IPMCP",
    ]);
  });

  it("a concurrent write between read and patch is detected by the resourceVersion guard and the repair is planned again", async () => {
    kube.put(obotDeployment(DRIFTED_ENV));
    await servicesWith({});
    let raced = false;
    kube.beforePatch = (key) => {
      if (raced) return;
      raced = true;
      // Another writer (an admin's kubectl) changes the env between our read and our patch.
      const current = kube.deployments.get(key);
      const copy = structuredClone(current);
      copy.spec.template.spec.containers[1].env.unshift({ name: "ADDED_BY_ADMIN", value: "1" });
      kube.update(copy);
    };
    await services.obotDrift!.check();
    expect(kube.answers.filter((a) => a.startsWith("PATCH"))).toEqual(["PATCH 422", "PATCH 200"]);
    const env = obotEnv();
    expect(env[0]).toEqual({ name: "ADDED_BY_ADMIN", value: "1" });
    expect(env.find((e) => e.name === "OBOT_SERVER_ENABLE_AUTHENTICATION")).toEqual({ name: "OBOT_SERVER_ENABLE_AUTHENTICATION", value: "false" });
    expect(services.obotDrift!.view().state).toBe("repaired");
  });

  it("the stand-in answers a stale write with 409, as the Kubernetes API does", async () => {
    const stored = kube.put(obotDeployment(DRIFTED_ENV));
    kube.put({ ...stored, metadata: { ...stored.metadata } });
    expect(() => kube.update(stored)).toThrow(/the object has been modified/);
  });

  it("report-only mode writes nothing and says what a repair would do", async () => {
    kube.put(obotDeployment(DRIFTED_ENV));
    await servicesWith({ mode: "report" });
    const repairs = () => services.db.select().from(auditEvents).where(eq(auditEvents.action, "obot.deployment_env_repair"));
    const audited = (await repairs()).length;
    await services.obotDrift!.check();
    expect(kube.writes).toHaveLength(0);
    const view = services.obotDrift!.view();
    expect(view.state).toBe("drifted");
    expect(view.variables.map((v) => v.action)).toEqual(["would-patch", "would-patch", "set-elsewhere", "would-add", "would-add"]);
    expect(await repairs()).toHaveLength(audited);
  });

  it.runIf(kind === "postgres")("one replica at a time: while another holds the advisory lock, a check skips and writes nothing", async () => {
    kube.put(obotDeployment(DRIFTED_ENV));
    await servicesWith({});
    await services.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${DRIFT_LOCK})`);
      expect(await services.obotDrift!.check()).toBe("locked-elsewhere");
    });
    expect(kube.writes).toHaveLength(0);
    expect(await services.obotDrift!.check()).toBe("checked");
    expect(kube.writes).toHaveLength(1);
  });

  it("an unreadable Deployment is an error state with the API's message", async () => {
    await servicesWith({ name: "missing" });
    await services.obotDrift!.check();
    expect(services.obotDrift!.view()).toMatchObject({ state: "error", message: expect.stringContaining("404") });
  });
});
