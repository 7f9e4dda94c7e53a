/**
 * deploy/kubernetes and the container image (DESIGN §10): the kustomize base and the example
 * overlay render, every object validates against the Kubernetes schemas, and the objects agree
 * with each other, with the Dockerfile and with the README. Each invariant is a function that
 * returns its problems, so the same check is also shown to fail on a broken copy.
 */
import fs from "node:fs";
import path from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { routeInternal } from "@/server/feeds/internal-server";
import type { Services } from "@/server/services";
import { SERVER_NODE_FLAGS } from "../scripts/node-flags.mjs";
import {
  admits,
  containerPort,
  dockerStages,
  engineRanges,
  engineViolations,
  envNames,
  envValue,
  find,
  kubectlAvailable,
  kustomize,
  nodeVersionOf,
  ofKind,
  podTemplate,
  schemaProblems,
  selects,
  unknownFields,
  type Container,
  type KubeObject,
  type Platform,
  type Pod,
  type PodTemplate,
} from "./support/manifests";
import { IN_CI, REPO_ROOT } from "./support/env";

const DEPLOY = path.join(REPO_ROOT, "deploy", "kubernetes");
const RENDERS = { base: path.join(DEPLOY, "base"), "example overlay": path.join(DEPLOY, "overlays", "example") };
const DOCKERFILE = fs.readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8");
const LOCK = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));
const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"));
const README = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
const DEPLOY_DOC = path.join(REPO_ROOT, "docs", "deploy.md");

const CONTROL_PLANE = { kind: "Deployment", name: "opencrane-control-plane" };
const OBOT = { kind: "Deployment", name: "obot" };
/** The release prefix of Obot's database Secret, `<release>-obot` (seed: the opencrane.obotSecretName helper). */
const RELEASE = "opencrane";
const FEED_PATH = "/api/internal/obot-registry";

const kubectl = kubectlAvailable();
if (!kubectl.available && IN_CI) throw new Error(`CI=true but ${kubectl.reason}`);

// ---------------------------------------------------------------------------------------------
// Helpers over a render

interface Workload {
  deployment: KubeObject;
  namespace: string;
  template: PodTemplate;
  container: Container;
}

function workload(objects: KubeObject[], which: { kind: string; name: string }): Workload {
  const deployment = ofKind(objects, which.kind).find((o) => o.metadata.name === which.name);
  if (!deployment) throw new Error(`the render has no ${which.kind} ${which.name}`);
  const template = podTemplate(deployment);
  return { deployment, namespace: deployment.metadata.namespace!, template, container: template.spec.containers[0]! };
}

function env(objects: KubeObject[], w: Workload, name: string): string | undefined {
  return envValue(objects, w.namespace, w.container, name);
}

/** The pods of a Service (Deployments whose template its selector matches) and the container port of a Service port. */
function serviceTarget(
  objects: KubeObject[],
  host: string,
  defaultNamespace: string,
  port: number,
): { problems: string[]; deployments: string[]; containerPort?: number } {
  const labels = host.split(".");
  const [name, namespace = defaultNamespace] = labels;
  const qualified = labels.length === 1 || (labels[2] === "svc" && (labels.length === 3 || labels.slice(3).join(".") === "cluster.local"));
  if (!qualified) return { problems: [`${host} is not a Service name (<name>[.<namespace>.svc[.cluster.local]])`], deployments: [] };
  const service = find(objects, "Service", name!, namespace);
  if (!service) return { problems: [`no Service ${namespace}/${name}`], deployments: [] };
  const spec = service.spec as { selector?: Record<string, string>; ports: { port: number; targetPort?: number | string }[] };
  const servicePort = spec.ports.find((p) => p.port === port);
  if (!servicePort) return { problems: [`Service ${namespace}/${name} has no port ${port}`], deployments: [] };
  // A Service without a selector has no pods of its own (its endpoints are managed by hand).
  const backing = ofKind(objects, "Deployment").filter(
    (d) => spec.selector !== undefined && d.metadata.namespace === namespace && selects({ matchLabels: spec.selector }, podTemplate(d).metadata.labels),
  );
  if (backing.length !== 1)
    return { problems: [`Service ${namespace}/${name} selects ${backing.length} Deployments`], deployments: backing.map((d) => d.metadata.name) };
  const container = podTemplate(backing[0]!).spec.containers[0]!;
  const target = containerPort(container, servicePort.targetPort ?? servicePort.port);
  if (target === undefined)
    return {
      problems: [`Service port ${port} targets ${servicePort.targetPort}, which ${backing[0]!.metadata.name} does not expose`],
      deployments: [backing[0]!.metadata.name],
    };
  return { problems: [], deployments: [backing[0]!.metadata.name], containerPort: target };
}

// ---------------------------------------------------------------------------------------------
// Invariants: each returns what is wrong

/** Obot's feed URL reaches the control plane's feeds port through its Service; the control plane intends the same URL. */
function feedUrlProblems(objects: KubeObject[]): string[] {
  const obot = workload(objects, OBOT);
  const controlPlane = workload(objects, CONTROL_PLANE);
  const feedUrl = env(objects, obot, "OBOT_SERVER_DEFAULT_MCPCATALOG_PATH");
  if (!feedUrl) return ["Obot has no OBOT_SERVER_DEFAULT_MCPCATALOG_PATH"];
  const problems: string[] = [];
  const url = new URL(feedUrl);
  if (url.pathname !== FEED_PATH) problems.push(`the feed URL's path is ${url.pathname}, not ${FEED_PATH}`);
  const target = serviceTarget(objects, url.hostname, obot.namespace, Number(url.port || (url.protocol === "https:" ? 443 : 80)));
  problems.push(...target.problems);
  if (target.deployments.length === 1 && target.deployments[0] !== CONTROL_PLANE.name)
    problems.push(`the feed URL reaches ${target.deployments[0]}, not the control plane`);
  const internalPort = Number(env(objects, controlPlane, "OPENCRANE_INTERNAL_PORT") ?? 3001);
  if (target.containerPort !== undefined && target.containerPort !== internalPort) {
    problems.push(`the feed URL reaches container port ${target.containerPort}, not the feeds port ${internalPort} (OPENCRANE_INTERNAL_PORT)`);
  }
  const intended = env(objects, controlPlane, "OPENCRANE_OBOT_FEED_URL");
  if (intended !== feedUrl)
    problems.push(`the control plane's OPENCRANE_OBOT_FEED_URL (${intended}) differs from Obot's (${feedUrl}): drift repair would rewrite it`);
  return problems;
}

/** The Obot link and drift repair point at this Obot, and RBAC lets the control plane get and patch exactly it. */
function obotLinkProblems(objects: KubeObject[]): string[] {
  const obot = workload(objects, OBOT);
  const controlPlane = workload(objects, CONTROL_PLANE);
  const problems: string[] = [];
  const obotUrl = env(objects, controlPlane, "OPENCRANE_OBOT_URL");
  if (!obotUrl) problems.push("the control plane has no OPENCRANE_OBOT_URL");
  else {
    const url = new URL(obotUrl);
    const target = serviceTarget(objects, url.hostname, controlPlane.namespace, Number(url.port || 80));
    problems.push(...target.problems);
    if (target.deployments[0] !== OBOT.name) problems.push(`OPENCRANE_OBOT_URL reaches ${target.deployments.join(", ") || "nothing"}, not Obot`);
    if (target.containerPort !== undefined && target.containerPort !== 8080)
      problems.push(`OPENCRANE_OBOT_URL reaches Obot's port ${target.containerPort}, not 8080`);
  }
  const deployment = env(objects, controlPlane, "OPENCRANE_OBOT_DEPLOYMENT");
  if (deployment !== `${obot.namespace}/${OBOT.name}`) problems.push(`OPENCRANE_OBOT_DEPLOYMENT is ${deployment}, not ${obot.namespace}/${OBOT.name}`);

  const account = controlPlane.template.spec.serviceAccountName;
  if (!account || !find(objects, "ServiceAccount", account, controlPlane.namespace))
    problems.push(`the control plane's ServiceAccount ${account} is not in the render`);
  const boundTo = (binding: KubeObject) =>
    ((binding.subjects as { kind: string; name: string; namespace?: string }[]) ?? []).some(
      (s) => s.kind === "ServiceAccount" && s.name === account && (s.namespace ?? binding.metadata.namespace) === controlPlane.namespace,
    );
  const grantsDeployment = ofKind(objects, "RoleBinding").some((binding) => {
    if (binding.metadata.namespace !== obot.namespace || !boundTo(binding)) return false;
    const ref = binding.roleRef as { kind: string; name: string };
    const role = ref.kind === "Role" ? find(objects, "Role", ref.name, obot.namespace) : find(objects, "ClusterRole", ref.name);
    const rules = (role?.rules as { apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; verbs?: string[] }[]) ?? [];
    const can = (verb: string) =>
      rules.some(
        (r) =>
          r.apiGroups?.includes("apps") &&
          r.resources?.includes("deployments") &&
          (r.verbs?.includes(verb) || r.verbs?.includes("*")) &&
          (!r.resourceNames?.length || r.resourceNames.includes(OBOT.name)),
      );
    return can("get") && can("patch");
  });
  if (!grantsDeployment) problems.push(`no RoleBinding in ${obot.namespace} lets ${account} get and patch Deployment ${OBOT.name}`);
  const delegator = ofKind(objects, "ClusterRoleBinding").some(
    (binding) => (binding.roleRef as { name: string }).name === "system:auth-delegator" && boundTo(binding),
  );
  if (!delegator) problems.push(`${account} is not bound to system:auth-delegator (TokenReview)`);
  return problems;
}

/** Obot as the seed and DESIGN §10 deploy it. */
function obotProblems(objects: KubeObject[]): string[] {
  const obot = workload(objects, OBOT);
  const problems: string[] = [];
  if (!/^ghcr\.io\/obot-platform\/obot:v?\d+\.\d+\.\d+$/.test(obot.container.image))
    problems.push(`Obot's image ${obot.container.image} is not a pinned ghcr.io/obot-platform/obot release`);
  if ((obot.deployment.spec as { replicas?: number }).replicas !== 1) problems.push("Obot runs with other than 1 replica");
  if (containerPort(obot.container, 8080) === undefined) problems.push("Obot does not expose 8080");
  const intended: Record<string, string> = {
    OBOT_SERVER_ENABLE_AUTHENTICATION: "false",
    OBOT_SERVER_MCPRUNTIME_BACKEND: "kubernetes",
    OBOT_SERVER_DISALLOW_PRIVATE_IPMCP: "false",
    OBOT_SERVER_ENCRYPTION_PROVIDER: "none",
  };
  for (const [name, value] of Object.entries(intended)) {
    const actual = env(objects, obot, name);
    if (actual !== value) problems.push(`Obot's ${name} is ${actual}, not ${value}`);
  }
  const dsn = obot.container.env?.find((e) => e.name === "OBOT_SERVER_DSN")?.valueFrom?.secretKeyRef;
  if (dsn?.name !== `${RELEASE}-obot` || dsn?.key !== "dsn") problems.push(`Obot's OBOT_SERVER_DSN is not Secret ${RELEASE}-obot key dsn`);
  return problems;
}

/** Every Service and the PDB select exactly the pods they are for. */
function selectorProblems(objects: KubeObject[]): string[] {
  const problems: string[] = [];
  const intended: Record<string, string> = { "opencrane-control-plane": CONTROL_PLANE.name, obot: OBOT.name };
  for (const service of ofKind(objects, "Service")) {
    const selector = (service.spec as { selector?: Record<string, string> }).selector;
    const selected = ofKind(objects, "Deployment")
      .filter((d) => d.metadata.namespace === service.metadata.namespace && selector && selects({ matchLabels: selector }, podTemplate(d).metadata.labels))
      .map((d) => d.metadata.name);
    const want = intended[service.metadata.name];
    if (!want) problems.push(`Service ${service.metadata.name} is not one the tests know`);
    else if (selected.join() !== want) problems.push(`Service ${service.metadata.name} selects [${selected}] instead of ${want}`);
  }
  for (const deployment of ofKind(objects, "Deployment")) {
    const spec = deployment.spec as { selector: { matchLabels?: Record<string, string> } };
    if (!selects(spec.selector, podTemplate(deployment).metadata.labels))
      problems.push(`Deployment ${deployment.metadata.name}'s selector does not match its own pods`);
  }
  const pdbs = ofKind(objects, "PodDisruptionBudget");
  const controlPlane = workload(objects, CONTROL_PLANE);
  const replicas = (controlPlane.deployment.spec as { replicas: number }).replicas;
  const guarding = pdbs.filter((pdb) => selects((pdb.spec as { selector: never }).selector, controlPlane.template.metadata.labels));
  if (guarding.length !== 1) problems.push(`${guarding.length} PodDisruptionBudgets select the control plane`);
  for (const pdb of guarding) {
    const others = ofKind(objects, "Deployment").filter(
      (d) => d.metadata.name !== CONTROL_PLANE.name && selects((pdb.spec as { selector: never }).selector, podTemplate(d).metadata.labels),
    );
    if (others.length) problems.push(`PodDisruptionBudget ${pdb.metadata.name} also selects ${others.map((d) => d.metadata.name)}`);
    const minAvailable = (pdb.spec as { minAvailable?: number }).minAvailable;
    if (typeof minAvailable !== "number" || minAvailable < 1 || minAvailable >= replicas) {
      problems.push(`PodDisruptionBudget minAvailable ${minAvailable} must keep a replica and still let a drain proceed (${replicas} replicas)`);
    }
  }
  if (replicas < 2) problems.push(`the control plane runs ${replicas} replica(s), not at least 2`);
  return problems;
}

/** Non-root, read-only root file system, no privilege escalation, no capabilities, RuntimeDefault seccomp, writable dirs mounted. */
function hardeningProblems(objects: KubeObject[], imageUid: number, writableDirs: string[]): string[] {
  const { template, container } = workload(objects, CONTROL_PLANE);
  const pod = template.spec.securityContext ?? {};
  const own = container.securityContext ?? {};
  const setting = (key: string) => (own[key] !== undefined ? own[key] : pod[key]);
  const problems: string[] = [];
  if (setting("runAsNonRoot") !== true) problems.push("runAsNonRoot is not true");
  const uid = setting("runAsUser");
  if (uid !== imageUid) problems.push(`runAsUser is ${uid}, not the image's user ${imageUid}`);
  if (own.readOnlyRootFilesystem !== true) problems.push("readOnlyRootFilesystem is not true");
  if (own.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
  if (own.privileged === true) problems.push("the container is privileged");
  const drop = ((own.capabilities as { drop?: string[]; add?: string[] } | undefined)?.drop ?? []).map((c) => c.toUpperCase());
  if (!drop.includes("ALL")) problems.push("capabilities do not drop ALL");
  if ((own.capabilities as { add?: string[] } | undefined)?.add?.length) problems.push("capabilities are added");
  if ((setting("seccompProfile") as { type?: string } | undefined)?.type !== "RuntimeDefault") problems.push("seccompProfile is not RuntimeDefault");
  const volumes = new Map((template.spec.volumes ?? []).map((v) => [v.name, v]));
  for (const dir of writableDirs) {
    const mount = container.volumeMounts?.find((m) => m.mountPath === dir);
    if (!mount) problems.push(`${dir} must be writable but nothing is mounted there`);
    else if (!volumes.get(mount.name)?.emptyDir) problems.push(`${dir} is mounted from ${mount.name}, which is not an emptyDir`);
  }
  if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory || !container.resources?.limits?.memory) {
    problems.push("the control plane lacks cpu/memory requests or a memory limit");
  }
  return problems;
}

/** Probes ask real endpoints on ports the server listens on; liveness never depends on the database. */
async function probeProblems(objects: KubeObject[]): Promise<string[]> {
  const controlPlane = workload(objects, CONTROL_PLANE);
  const mainPort = Number(env(objects, controlPlane, "PORT") ?? 3000);
  const internalPort = Number(env(objects, controlPlane, "OPENCRANE_INTERNAL_PORT") ?? 3001);
  const expected = { startupProbe: "/api/healthz", livenessProbe: "/api/healthz", readinessProbe: "/api/readyz" } as const;
  const problems: string[] = [];
  for (const [kind, wantPath] of Object.entries(expected) as [keyof typeof expected, string][]) {
    const probe = controlPlane.container[kind]?.httpGet;
    if (!probe) {
      problems.push(`${kind} is missing or not an HTTP probe`);
      continue;
    }
    if (probe.path !== wantPath) problems.push(`${kind} asks ${probe.path}, not ${wantPath}`);
    const port = containerPort(controlPlane.container, probe.port);
    if (port === mainPort) {
      // The main port is Next.js: the route must exist as an App Router route handler with GET.
      const route = path.join(REPO_ROOT, "src", "app", ...probe.path.split("/").filter(Boolean), "route.ts");
      if (!fs.existsSync(route) || !/export\s+(async\s+)?function\s+GET\b/.test(fs.readFileSync(route, "utf8")))
        problems.push(`${kind}: no GET route handler for ${probe.path}`);
    } else if (port === internalPort) {
      // The internal port's router, as it runs (a service stub: readyz answers 503 "not ready", never 404).
      const answer = await routeInternal({} as Services, { url: probe.path, method: "GET", header: () => null, remoteAddr: null });
      if (answer.status === 404) problems.push(`${kind}: the internal port does not serve ${probe.path}`);
    } else {
      problems.push(`${kind} asks port ${probe.port}, on which the server does not listen (PORT ${mainPort}, OPENCRANE_INTERNAL_PORT ${internalPort})`);
    }
  }
  return problems;
}

/** An Ingress exposes only the console port: the feeds stay inside the cluster. */
function ingressProblems(objects: KubeObject[]): string[] {
  const controlPlane = workload(objects, CONTROL_PLANE);
  const consolePort = Number(env(objects, controlPlane, "PORT") ?? 3000);
  const problems: string[] = [];
  for (const ingress of ofKind(objects, "Ingress")) {
    type Backend = { service?: { name: string; port: { name?: string; number?: number } } };
    const spec = ingress.spec as { defaultBackend?: Backend; rules?: { http?: { paths: { backend: Backend }[] } }[] };
    const backends = [spec.defaultBackend, ...(spec.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => p.backend))].filter((b): b is Backend => !!b);
    for (const backend of backends) {
      const service = backend.service && find(objects, "Service", backend.service.name, ingress.metadata.namespace);
      const port = (service?.spec as { ports: { name?: string; port: number }[] } | undefined)?.ports.find((p) =>
        backend.service!.port.name !== undefined ? p.name === backend.service!.port.name : p.port === backend.service!.port.number,
      );
      if (!service || !port) {
        problems.push(`Ingress ${ingress.metadata.name} points at a Service port that does not exist`);
        continue;
      }
      const target = serviceTarget(objects, service.metadata.name, service.metadata.namespace!, port.port);
      if (target.containerPort !== consolePort)
        problems.push(`Ingress ${ingress.metadata.name} exposes container port ${target.containerPort}, not the console port ${consolePort}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Who reaches what

const INGRESS_NAMESPACE = "ingress-nginx";

function podsOf(objects: KubeObject[]): Record<string, Pod> {
  const namespaceLabels = (name: string, extra: Record<string, string> = {}) => ({
    ...((find(objects, "Namespace", name)?.metadata.labels as Record<string, string>) ?? {}),
    "kubernetes.io/metadata.name": name,
    ...extra,
  });
  const fromDeployment = (which: { kind: string; name: string }, role: string): Pod => {
    const w = workload(objects, which);
    return { role, namespace: w.namespace, namespaceLabels: namespaceLabels(w.namespace), labels: w.template.metadata.labels ?? {} };
  };
  const opencrane = workload(objects, CONTROL_PLANE).namespace;
  return {
    obot: fromDeployment(OBOT, "Obot"),
    controlPlane: fromDeployment(CONTROL_PLANE, "another control-plane replica"),
    tenant: {
      role: "a tenant pod",
      namespace: "tenant-acme",
      namespaceLabels: namespaceLabels("tenant-acme", { "opencrane.io/tenants": "true" }),
      labels: { app: "openclaw" },
    },
    operator: {
      role: "the operator",
      namespace: "opencrane-system",
      namespaceLabels: namespaceLabels("opencrane-system", { "opencrane.io/operator": "true" }),
      labels: { "app.kubernetes.io/name": "opencrane-operator" },
    },
    ingress: {
      role: "the ingress controller",
      namespace: INGRESS_NAMESPACE,
      namespaceLabels: namespaceLabels(INGRESS_NAMESPACE),
      labels: { "app.kubernetes.io/name": "ingress-nginx" },
    },
    neighbour: {
      role: "another pod in the release namespace",
      namespace: opencrane,
      namespaceLabels: namespaceLabels(opencrane),
      labels: { app: "something-else" },
    },
    mcpServer: {
      role: "an MCP server Obot started",
      namespace: "opencrane-mcp",
      namespaceLabels: namespaceLabels("opencrane-mcp"),
      labels: { app: "mcp-github" },
    },
    stranger: { role: "a pod in default", namespace: "default", namespaceLabels: namespaceLabels("default"), labels: { app: "web" } },
    fakeOperator: {
      role: "an operator-labelled pod outside the operator's namespace",
      namespace: "default",
      namespaceLabels: namespaceLabels("default"),
      labels: { "app.kubernetes.io/name": "opencrane-operator" },
    },
  };
}

/** For each (workload, port): exactly these sources are admitted, everyone else refused. */
function networkProblems(objects: KubeObject[]): string[] {
  const pods = podsOf(objects);
  const controlPlane = workload(objects, CONTROL_PLANE);
  const obot = workload(objects, OBOT);
  const matrix: { target: Workload; port: number; what: string; allowed: string[] }[] = [
    {
      target: controlPlane,
      port: Number(env(objects, controlPlane, "OPENCRANE_INTERNAL_PORT")),
      what: "the feeds port",
      allowed: ["obot", "tenant", "operator"],
    },
    { target: controlPlane, port: Number(env(objects, controlPlane, "PORT")), what: "the console port", allowed: ["ingress"] },
    { target: obot, port: 8080, what: "Obot's 8080", allowed: ["tenant", "controlPlane", "operator"] },
  ];
  const problems: string[] = [];
  for (const policy of ofKind(objects, "NetworkPolicy")) {
    const peers = ((policy.spec as { ingress?: { from?: { ipBlock?: unknown }[] }[] }).ingress ?? []).flatMap((rule) => rule.from ?? [{}]);
    if (peers.some((peer) => peer.ipBlock)) problems.push(`NetworkPolicy ${policy.metadata.name} admits an ipBlock, which these checks cannot judge`);
  }
  for (const { target, port, what, allowed } of matrix) {
    for (const [key, source] of Object.entries(pods)) {
      const admitted = admits(objects, { namespace: target.namespace, template: target.template }, port, source);
      if (admitted && !allowed.includes(key)) problems.push(`${what} admits ${source.role}`);
      if (!admitted && allowed.includes(key)) problems.push(`${what} refuses ${source.role}`);
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The image

const PLATFORMS: Platform[] = [
  { os: "linux", cpu: "x64", libc: "glibc" },
  { os: "linux", cpu: "arm64", libc: "glibc" },
];

function imageNodeProblems(dockerfile: string, lock: typeof LOCK): string[] {
  const problems: string[] = [];
  for (const stage of dockerStages(dockerfile)) {
    if (!/^(?:docker\.io\/)?(?:library\/)?node:/.test(stage.image)) continue;
    const node = nodeVersionOf(stage.image);
    if ("problem" in node) {
      problems.push(node.problem);
      continue;
    }
    for (const platform of PLATFORMS) {
      for (const violation of engineViolations(node.version, engineRanges(lock, platform))) {
        problems.push(`stage ${stage.name ?? stage.image} runs node ${node.version} (${platform.cpu}), but ${violation}`);
      }
    }
  }
  return [...new Set(problems)];
}

function runtimeStage(dockerfile: string) {
  const stage = dockerStages(dockerfile).at(-1)!;
  const user = stage.lines
    .filter((l) => /^USER\s/i.test(l))
    .at(-1)
    ?.split(/\s+/)[1];
  const workdir =
    stage.lines
      .filter((l) => /^WORKDIR\s/i.test(l))
      .at(-1)
      ?.split(/\s+/)[1] ?? "/";
  return { stage, user, workdir };
}

/** What the image must be able to write with a read-only root file system (besides /data, only for the embedded database). */
function writableDirs(dockerfile: string): string[] {
  return ["/tmp", path.posix.join(runtimeStage(dockerfile).workdir, ".next", "cache")];
}

// ---------------------------------------------------------------------------------------------

describe("the container image", () => {
  it("runs on a Node release that every dependency's engines admit, in every node stage", () => {
    const stages = dockerStages(DOCKERFILE).filter((s) => s.image.includes("node:"));
    expect(stages.length).toBeGreaterThan(0);
    expect(imageNodeProblems(DOCKERFILE, LOCK)).toEqual([]);
  });

  it("fails the check for a Node release some dependency refuses, and for a floating tag", () => {
    const old = DOCKERFILE.replace(/^ARG NODE_VERSION=.*$/m, "ARG NODE_VERSION=20.9.0");
    expect(old).not.toBe(DOCKERFILE);
    expect(imageNodeProblems(old, LOCK).join("\n")).toMatch(/runs node 20\.9\.0 .* but .* needs node/);
    const floating = DOCKERFILE.replace(/^ARG NODE_VERSION=.*$/m, "ARG NODE_VERSION=22");
    expect(imageNodeProblems(floating, LOCK).join("\n")).toMatch(/pin an exact Node release/);
    // A package for another platform does not count: npm does not install it in the image.
    const foreign = { packages: { "": {}, "node_modules/only-on-windows": { os: ["win32"], engines: { node: ">=99" } } } };
    expect(imageNodeProblems(DOCKERFILE, foreign)).toEqual([]);
    const everywhere = { packages: { "": {}, "node_modules/needs-99": { engines: { node: ">=99" } } } };
    expect(imageNodeProblems(DOCKERFILE, everywhere).join("\n")).toMatch(/needs-99 needs node >=99/);
  });

  it("declares in package.json a Node range whose every release the dependencies admit", () => {
    const declared = PACKAGE.engines.node as string;
    const lowest = semver.minVersion(declared)!.version;
    const ranges = PLATFORMS.flatMap((platform) => engineRanges(LOCK, platform)).filter((r) => r.pkg !== "(this package)");
    expect(engineViolations(lowest, ranges)).toEqual([]);
    const image = nodeVersionOf(dockerStages(DOCKERFILE).at(-1)!.image);
    expect("version" in image && engineViolations(image.version, [{ pkg: "package.json", range: declared }])).toEqual([]);
  });

  it("runs as a numeric non-root user and keeps its writable directories where the manifests mount them", () => {
    const { user, workdir, stage } = runtimeStage(DOCKERFILE);
    expect(user, "the runtime stage sets USER").toMatch(/^\d+(:\d+)?$/);
    expect(Number(user!.split(":")[0])).toBeGreaterThan(0);
    expect(workdir).toBe("/app");
    // The directories exist in the image, owned by that user, for `docker run --read-only --tmpfs …` too.
    expect(stage.lines.join("\n")).toMatch(/mkdir -p [^\n]*\/app\/\.next\/cache/);
    expect(stage.lines.some((l) => /^CMD\s/.test(l) && /\bserver\.m?js\b/.test(l))).toBe(true);
  });

  it("builds the internal port's poll thread into the standalone directory the image copies", () => {
    const build = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts.build as string;
    expect(build).toMatch(/next build && node scripts\/build-poll-thread\.mjs$/);
    const lines = runtimeStage(DOCKERFILE).stage.lines.join("\n");
    expect(lines).toMatch(/COPY --from=build [^\n]*\/app\/\.next\/standalone \.\//);
    expect(fs.readFileSync(path.join(REPO_ROOT, "scripts", "start.mjs"), "utf8")).toContain("await buildPollThread(standalone)");
  });

  it("starts the server with the Node options npm start and bench:scale use", () => {
    const cmd = runtimeStage(DOCKERFILE).stage.lines.find((l) => /^CMD\s/.test(l))!;
    expect(JSON.parse(cmd.replace(/^CMD\s+/, ""))).toEqual(["node", ...SERVER_NODE_FLAGS, "server.mjs"]);
  });
});

for (const [label, dir] of Object.entries(RENDERS)) {
  describe.skipIf(!kubectl.available)(`deploy/kubernetes ${label}${kubectl.available ? "" : ` (skipped: ${kubectl.reason})`}`, () => {
    const objects = kubectl.available ? kustomize(dir) : [];
    const imageUid = Number(runtimeStage(DOCKERFILE).user!.split(":")[0]);

    it("renders the control plane, Obot, RBAC, PDB and NetworkPolicies", () => {
      const kinds = new Set(objects.map((o) => o.kind));
      for (const kind of [
        "Namespace",
        "ServiceAccount",
        "ClusterRoleBinding",
        "Role",
        "RoleBinding",
        "ConfigMap",
        "Service",
        "Deployment",
        "PodDisruptionBudget",
        "NetworkPolicy",
      ]) {
        expect(kinds, kind).toContain(kind);
      }
      expect(ofKind(objects, "Secret"), "Secrets are created by the installer, never committed").toEqual([]);
    });

    it("validates every object against the Kubernetes schemas", () => {
      expect(objects.flatMap(schemaProblems)).toEqual([]);
    });

    it("uses only fields the Kubernetes API knows, so strict field validation accepts every object", () => {
      expect(unknownFields(objects, REPO_ROOT)).toEqual([]);
    }, 120_000); // compiling kubernetes-models' declarations takes a few seconds, more on a loaded machine

    it("puts every namespaced object in a namespace the render creates", () => {
      const namespaces = new Set(ofKind(objects, "Namespace").map((n) => n.metadata.name));
      const clusterScoped = new Set(["Namespace", "ClusterRole", "ClusterRoleBinding"]);
      const problems = objects
        .filter((o) => !clusterScoped.has(o.kind) && !namespaces.has(o.metadata.namespace ?? ""))
        .map((o) => `${o.kind}/${o.metadata.name} in ${o.metadata.namespace ?? "no namespace"}`);
      expect(problems).toEqual([]);
    });

    it("points Obot's feed URL at the control plane Service's feeds port, the URL the control plane intends", () => {
      expect(feedUrlProblems(objects)).toEqual([]);
    });

    it("points the Obot link and drift repair at this Obot, with RBAC to get and patch its Deployment and to review tokens", () => {
      expect(obotLinkProblems(objects)).toEqual([]);
    });

    it("deploys Obot as DESIGN §10 says", () => {
      expect(obotProblems(objects)).toEqual([]);
    });

    it("selects the intended pods with every Service and the PodDisruptionBudget", () => {
      expect(selectorProblems(objects)).toEqual([]);
    });

    it("runs the control plane non-root on a read-only root file system with only emptyDirs writable", () => {
      expect(hardeningProblems(objects, imageUid, writableDirs(DOCKERFILE))).toEqual([]);
    });

    it("probes real endpoints on ports the server listens on", async () => {
      expect(await probeProblems(objects)).toEqual([]);
    });

    it("admits the feeds port only from Obot, tenant pods and the operator; the console only from the ingress; Obot only from tenants, the control plane and the operator", () => {
      expect(networkProblems(objects)).toEqual([]);
    });

    it("exposes only the console port through an Ingress", () => {
      expect(ingressProblems(objects)).toEqual([]);
    });

    it("documents every variable the control plane is given in the README's configuration section", () => {
      const { container, namespace } = workload(objects, CONTROL_PLANE);
      const section = README.split(/^## /m).find((s) => s.startsWith("Configuration\n"))!;
      expect(section, "README has a Configuration section").toBeTruthy();
      expect(envNames(objects, namespace, container).filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
    });

    it("documents every Secret key the manifests read in docs/deploy.md", () => {
      const doc = fs.readFileSync(DEPLOY_DOC, "utf8");
      const refs = ofKind(objects, "Deployment").flatMap((d) =>
        podTemplate(d).spec.containers.flatMap((c) =>
          (c.env ?? []).flatMap((e) => {
            const ref = e.valueFrom?.secretKeyRef as { name: string; key: string } | undefined;
            return ref ? [ref] : [];
          }),
        ),
      );
      expect(refs.length).toBeGreaterThan(0);
      expect(refs.filter((ref) => !doc.includes(ref.name) || !doc.includes(ref.key)).map((r) => `${r.name}/${r.key}`)).toEqual([]);
    });

    it("catches broken copies: each check fails when the manifests are wrong", async () => {
      const copy = () => structuredClone(objects);
      const edit = (objs: KubeObject[], which: { kind: string; name: string }, change: (w: Workload) => void) => {
        change(workload(objs, which));
        return objs;
      };
      const setEnv = (w: Workload, name: string, value: string) => {
        const entry = w.container.env!.find((e) => e.name === name);
        if (entry) entry.value = value;
        else w.container.env!.push({ name, value });
      };
      // The feed URL on the console port, or to a Service that is not there.
      expect(
        feedUrlProblems(
          edit(copy(), OBOT, (w) => setEnv(w, "OBOT_SERVER_DEFAULT_MCPCATALOG_PATH", `http://opencrane-control-plane.opencrane.svc:3000${FEED_PATH}`)),
        ).join(),
      ).toMatch(/not the feeds port/);
      expect(
        feedUrlProblems(
          edit(copy(), OBOT, (w) => setEnv(w, "OBOT_SERVER_DEFAULT_MCPCATALOG_PATH", `http://control-plane.opencrane.svc:3001${FEED_PATH}`)),
        ).join(),
      ).toMatch(/no Service/);
      expect(obotLinkProblems(edit(copy(), CONTROL_PLANE, (w) => setEnv(w, "OPENCRANE_OBOT_DEPLOYMENT", "obot/obot"))).join()).toMatch(
        /OPENCRANE_OBOT_DEPLOYMENT/,
      );
      // A writable root file system, a root user, a missing /tmp.
      expect(
        hardeningProblems(
          edit(copy(), CONTROL_PLANE, (w) => (w.container.securityContext!.readOnlyRootFilesystem = false)),
          imageUid,
          writableDirs(DOCKERFILE),
        ),
      ).toContain("readOnlyRootFilesystem is not true");
      expect(
        hardeningProblems(
          edit(copy(), CONTROL_PLANE, (w) => (w.template.spec.securityContext!.runAsUser = 0)),
          imageUid,
          writableDirs(DOCKERFILE),
        ).join(),
      ).toMatch(/runAsUser is 0/);
      expect(
        hardeningProblems(
          edit(copy(), CONTROL_PLANE, (w) => (w.container.volumeMounts = w.container.volumeMounts!.filter((m) => m.mountPath !== "/tmp"))),
          imageUid,
          writableDirs(DOCKERFILE),
        ).join(),
      ).toMatch(/\/tmp must be writable/);
      // A probe on a path nobody serves, or on a port nobody listens on.
      expect((await probeProblems(edit(copy(), CONTROL_PLANE, (w) => (w.container.readinessProbe!.httpGet!.path = "/api/ready")))).join()).toMatch(
        /asks \/api\/ready,/,
      );
      expect((await probeProblems(edit(copy(), CONTROL_PLANE, (w) => (w.container.livenessProbe!.httpGet!.port = 8080)))).join()).toMatch(/does not listen/);
      // A Service or PDB that selects the wrong pods.
      const relabelled = edit(copy(), OBOT, (w) =>
        Object.assign(w.template.metadata.labels!, { "app.kubernetes.io/name": "opencrane-control-plane", "app.kubernetes.io/component": "control-plane" }),
      );
      expect(selectorProblems(relabelled).join()).toMatch(/selects \[obot,opencrane-control-plane\]|also selects obot/);
      // A NetworkPolicy rule that admits everyone to the feeds port, or a tenant label lost.
      const open = copy();
      (find(open, "NetworkPolicy", "opencrane-control-plane-feeds")!.spec as { ingress: unknown[] }).ingress.push({ ports: [{ port: "feeds" }] });
      expect(networkProblems(open)).toContain("the feeds port admits a pod in default");
      const noTenants = copy();
      const feeds = find(noTenants, "NetworkPolicy", "opencrane-control-plane-feeds")!.spec as { ingress: { from: unknown[] }[] };
      feeds.ingress[0]!.from = feeds.ingress[0]!.from.filter((peer) => !JSON.stringify(peer).includes("opencrane.io/tenants"));
      expect(networkProblems(noTenants)).toContain("the feeds port refuses a tenant pod");
      // An Ingress to the feeds port.
      const exposed = copy();
      exposed.push({
        apiVersion: "networking.k8s.io/v1",
        kind: "Ingress",
        metadata: { name: "feeds", namespace: "opencrane" },
        spec: { defaultBackend: { service: { name: "opencrane-control-plane", port: { name: "feeds" } } } },
      });
      expect(ingressProblems(exposed)).toEqual(["Ingress feeds exposes container port 3001, not the console port 3000"]);
      // A misspelt field name, which the schemas alone let through.
      const misspelt = edit(copy(), CONTROL_PLANE, (w) => Object.assign(w.container.securityContext!, { readOnlyRootFileSystem: true }));
      expect(misspelt.flatMap(schemaProblems)).toEqual([]);
      expect(unknownFields(misspelt, REPO_ROOT)).toEqual([
        "Deployment/opencrane-control-plane.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem is not a field the Kubernetes API knows",
      ]);
      // Schema validation rejects a mistyped field value.
      const mistyped = edit(copy(), CONTROL_PLANE, (w) => ((w.container.ports![0] as { containerPort: unknown }).containerPort = "3000"));
      expect(mistyped.flatMap(schemaProblems).join()).toMatch(/containerPort: must be integer/);
    }, 120_000);
  });
}
