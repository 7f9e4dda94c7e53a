/**
 * Reading deploy/kubernetes and the Dockerfile for test/deploy.test.ts: rendering with
 * `kubectl kustomize`, schema validation with kubernetes-models (the Kubernetes OpenAPI schemas
 * compiled to ajv validators), Kubernetes label-selector and NetworkPolicy semantics, and the
 * Node versions a Dockerfile runs on against the lock file's `engines`.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import semver from "semver";
import ts from "typescript";
import YAML from "yaml";
import * as appsV1 from "kubernetes-models/apps/v1";
import * as networkingV1 from "kubernetes-models/networking.k8s.io/v1";
import * as policyV1 from "kubernetes-models/policy/v1";
import * as rbacV1 from "kubernetes-models/rbac.authorization.k8s.io/v1";
import * as coreV1 from "kubernetes-models/v1";

// ---------------------------------------------------------------------------------------------
// Rendering and schema validation

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export type Render = { ok: true; objects: KubeObject[] } | { ok: false; reason: string };

export function kubectlAvailable(): { available: boolean; reason: string } {
  const result = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (result.error || result.status !== 0) {
    return { available: false, reason: `kubectl is not on PATH (${result.error?.message ?? result.stderr.trim()}); kustomize renders need it` };
  }
  return { available: true, reason: "" };
}

export function kustomize(dir: string): KubeObject[] {
  const result = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr || result.error?.message}`);
  return YAML.parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

type ModelClass = new (data: unknown) => { validate(): void };
const MODELS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  "apps/v1": appsV1,
  "networking.k8s.io/v1": networkingV1,
  "policy/v1": policyV1,
  "rbac.authorization.k8s.io/v1": rbacV1,
};

/** Validates against the Kubernetes OpenAPI schema of its kind; an object of a kind without one is a problem too. */
export function schemaProblems(object: KubeObject): string[] {
  const where = `${object.kind}/${object.metadata?.name}`;
  const Model = MODELS[object.apiVersion]?.[object.kind] as ModelClass | undefined;
  if (typeof Model !== "function") return [`${where}: no schema for ${object.apiVersion} ${object.kind} (add its kubernetes-models group to MODELS)`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) return [`${where}: ${(error as Error).message}`];
    return errors.map((e) => `${where}${e.instancePath}: ${e.message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Objects and selectors

export function find(objects: KubeObject[], kind: string, name: string, namespace?: string): KubeObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
}

export function ofKind(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind);
}

export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** A Kubernetes label selector: `{}` selects everything; matchLabels and matchExpressions are ANDed. */
export function selects(selector: Selector | undefined | null, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const own = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (own[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(own, key);
    if (operator === "In" && !(has && values.includes(own[key]!))) return false;
    if (operator === "NotIn" && has && values.includes(own[key]!)) return false;
    if (operator === "Exists" && !has) return false;
    if (operator === "DoesNotExist" && has) return false;
  }
  return true;
}

export interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, unknown>> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  securityContext?: Record<string, unknown>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Probe {
  httpGet?: { path: string; port: number | string };
}
export interface PodTemplate {
  metadata: { labels?: Record<string, string> };
  spec: {
    serviceAccountName?: string;
    securityContext?: Record<string, unknown>;
    containers: Container[];
    volumes?: { name: string; emptyDir?: Record<string, unknown> }[];
  };
}

export function podTemplate(deployment: KubeObject): PodTemplate {
  return (deployment.spec as { template: PodTemplate }).template;
}

/** The value a container's env gives a variable: its own env wins over envFrom ConfigMaps (ConfigMaps looked up in `objects`). */
export function envValue(objects: KubeObject[], namespace: string, container: Container, name: string): string | undefined {
  const own = container.env?.find((e) => e.name === name);
  if (own) return own.value;
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) continue;
    const data = find(objects, "ConfigMap", source.configMapRef.name, namespace)?.data as Record<string, string> | undefined;
    if (data && Object.hasOwn(data, name)) return data[name];
  }
  return undefined;
}

/** Every variable name a container sets, from env and from the ConfigMaps/Secrets in its envFrom. */
export function envNames(objects: KubeObject[], namespace: string, container: Container): string[] {
  const names = new Set((container.env ?? []).map((e) => e.name));
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? "ConfigMap" : "Secret";
    const data = ref && (find(objects, kind, ref.name, namespace)?.data as Record<string, string> | undefined);
    for (const key of Object.keys(data ?? {})) names.add(key);
  }
  return [...names].sort();
}

/** A container port by number or name. */
export function containerPort(container: Container, port: number | string): number | undefined {
  const match = container.ports?.find((p) => (typeof port === "number" ? p.containerPort === port : p.name === port));
  return match?.containerPort;
}

// ---------------------------------------------------------------------------------------------
// NetworkPolicy semantics (networking.k8s.io/v1, ingress only)

export interface Pod {
  /** What the test calls it, for messages. */
  role: string;
  namespace: string;
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
}

interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}
interface PolicyRule {
  from?: PolicyPeer[];
  ports?: { port?: number | string; protocol?: string; endPort?: number }[];
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes?: string[];
  ingress?: PolicyRule[];
}

function peerMatches(peer: PolicyPeer, policyNamespace: string, source: Pod): boolean {
  if (peer.ipBlock) return false; // pod-to-pod traffic is judged by selectors; the tests forbid ipBlock peers
  if (peer.namespaceSelector === undefined && peer.podSelector === undefined) return false;
  const namespaceOk = peer.namespaceSelector === undefined ? source.namespace === policyNamespace : selects(peer.namespaceSelector, source.namespaceLabels);
  const podOk = peer.podSelector === undefined ? true : selects(peer.podSelector, source.labels);
  return namespaceOk && podOk;
}

function portMatches(rulePort: NonNullable<PolicyRule["ports"]>[number], container: Container, port: number): boolean {
  if ((rulePort.protocol ?? "TCP") !== "TCP") return false;
  if (rulePort.port === undefined) return true;
  const number = typeof rulePort.port === "number" ? rulePort.port : containerPort(container, rulePort.port);
  if (number === undefined) return false;
  return rulePort.endPort !== undefined ? port >= number && port <= rulePort.endPort : port === number;
}

/**
 * Whether TCP traffic from `source` to `port` of `target` (a pod of a Deployment in `objects`) is
 * admitted: no policy selecting the target for Ingress → admitted; otherwise admitted only if some
 * rule of some such policy admits both the port and the source.
 */
export function admits(objects: KubeObject[], target: { namespace: string; template: PodTemplate }, port: number, source: Pod): boolean {
  const policies = ofKind(objects, "NetworkPolicy").filter((policy) => {
    const spec = policy.spec as PolicySpec;
    const types = spec.policyTypes ?? ["Ingress"];
    return policy.metadata.namespace === target.namespace && types.includes("Ingress") && selects(spec.podSelector, target.template.metadata.labels);
  });
  if (policies.length === 0) return true;
  const container = target.template.spec.containers[0]!;
  return policies.some((policy) =>
    ((policy.spec as PolicySpec).ingress ?? []).some((rule) => {
      const portOk = rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, container, port));
      const fromOk = rule.from === undefined || rule.from.length === 0 || rule.from.some((peer) => peerMatches(peer, policy.metadata.namespace!, source));
      return portOk && fromOk;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// The Dockerfile and the lock file

export interface Stage {
  image: string;
  name: string | undefined;
  lines: string[];
}

/** The stages of a Dockerfile, with global ARG defaults substituted into FROM. */
export function dockerStages(dockerfile: string): Stage[] {
  const lines = dockerfile
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const arg = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/i.exec(line);
    if (arg && stages.length === 0) {
      args[arg[1]!] = (arg[2] ?? "").replace(/^"(.*)"$/, "$1");
      continue;
    }
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const image = from[1]!.replace(/\$\{([A-Za-z0-9_]+)\}|\$([A-Za-z0-9_]+)/g, (_, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? "");
      stages.push({ image, name: from[2], lines: [] });
      continue;
    }
    stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** The exact Node version of a `node:<version>[-variant]` image, or a problem. */
export function nodeVersionOf(image: string): { version: string } | { problem: string } {
  const match = /^(?:docker\.io\/)?(?:library\/)?node:([^@\s]+)/.exec(image);
  if (!match) return { problem: `${image} is not an official node image` };
  const version = /^v?(\d+\.\d+\.\d+)(?:-|$)/.exec(match[1]!)?.[1];
  if (!version || !semver.valid(version)) {
    return { problem: `${image}: pin an exact Node release (node:<major>.<minor>.<patch>-…); a floating tag cannot be checked against engines` };
  }
  return { version };
}

export interface Platform {
  os: string;
  cpu: string;
  libc: string;
}

function allows(list: unknown, value: string): boolean {
  if (!Array.isArray(list) || list.length === 0) return true;
  const items = list as string[];
  if (items.includes(`!${value}`)) return false;
  const positive = items.filter((item) => !item.startsWith("!"));
  return positive.length === 0 || positive.includes(value) || positive.includes("any");
}

interface LockPackage {
  engines?: unknown;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** The `engines.node` ranges of the packages npm installs on `platform`, from a v2/v3 lock file. */
export function engineRanges(lock: { packages: Record<string, LockPackage> }, platform: Platform): { pkg: string; range: string }[] {
  const ranges: { pkg: string; range: string }[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (!allows(entry.os, platform.os) || !allows(entry.cpu, platform.cpu) || !allows(entry.libc, platform.libc)) continue;
    const engines = entry.engines;
    if (!engines || typeof engines !== "object" || Array.isArray(engines)) continue;
    const range = (engines as Record<string, unknown>).node;
    if (typeof range !== "string") continue;
    ranges.push({ pkg: location === "" ? "(this package)" : location.replace(/^.*node_modules\//, ""), range });
  }
  return ranges;
}

/** The dependencies whose `engines.node` the given Node version does not satisfy. */
export function engineViolations(version: string, ranges: { pkg: string; range: string }[]): string[] {
  return ranges.filter(({ range }) => !semver.satisfies(version, range)).map(({ pkg, range }) => `${pkg} needs node ${range}`);
}

// ---------------------------------------------------------------------------------------------
// Unknown fields

const MODEL_MODULES: Record<string, string> = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "policy/v1": "kubernetes-models/policy/v1",
  "rbac.authorization.k8s.io/v1": "kubernetes-models/rbac.authorization.k8s.io/v1",
};

/**
 * Fields the Kubernetes API does not know (a misspelt `readOnlyRootFileSystem` would be dropped
 * silently by a lenient apply, and refused by kubectl's strict field validation). The OpenAPI
 * schemas do not forbid extra properties, so the JSON-schema validation above cannot see them;
 * the field names come from kubernetes-models' type declarations, read with the TypeScript
 * compiler.
 */
export function unknownFields(objects: KubeObject[], projectRoot: string): string[] {
  const types = kubernetesTypes([...new Set(objects.map((o) => `${o.apiVersion} ${o.kind}`))].sort(), projectRoot);
  if ("problems" in types) return types.problems;
  const { checker, file, typeOf } = types;
  const problems: string[] = [];
  const walk = (value: unknown, type: ts.Type, where: string) => {
    if (value === null || typeof value !== "object") return;
    const candidates = (type.isUnion() ? type.types : [type]).filter((t) => t.flags & ts.TypeFlags.Object);
    if (candidates.length === 0) return; // e.g. IntOrString, a Quantity string: nothing to look into
    if (Array.isArray(value)) {
      const array = candidates.find((t) => checker.isArrayType(t));
      const element = array && checker.getTypeArguments(array as ts.TypeReference)[0];
      if (element) value.forEach((item, i) => walk(item, element, `${where}[${i}]`));
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const property = candidates.map((t) => t.getProperty(key)).find(Boolean);
      if (property) {
        walk(child, checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(property, file)), `${where}.${key}`);
        continue;
      }
      const index = candidates.map((t) => checker.getIndexTypeOfType(t, ts.IndexKind.String)).find(Boolean);
      if (index) walk(child, index, `${where}.${key}`);
      else problems.push(`${where}.${key} is not a field the Kubernetes API knows`);
    }
  };
  for (const object of objects) {
    const type = typeOf.get(`${object.apiVersion} ${object.kind}`);
    if (type) walk(object, type, `${object.kind}/${object.metadata.name}`);
  }
  return problems;
}

interface KubernetesTypes {
  checker: ts.TypeChecker;
  file: ts.SourceFile;
  typeOf: Map<string, ts.Type>;
}
const loadedTypes = new Map<string, KubernetesTypes | { problems: string[] }>();

/** The declared type of each `<apiVersion> <kind>`, compiled once per set of kinds (a few seconds). */
function kubernetesTypes(kinds: string[], projectRoot: string): KubernetesTypes | { problems: string[] } {
  const cacheKey = kinds.join("\n");
  const cached = loadedTypes.get(cacheKey) ?? [...loadedTypes.values()].find((t) => "typeOf" in t && kinds.every((k) => t.typeOf.has(k)));
  if (cached) return cached;
  const virtual = path.join(projectRoot, "test", "__kubernetes_types__.ts");
  const source = kinds
    .map((key, i) => {
      const [apiVersion, kind] = key.split(" ") as [string, string];
      return `import type { I${kind} as T${i} } from "${MODEL_MODULES[apiVersion]}/${kind}";\nexport declare const t${i}: T${i};`;
    })
    .join("\n");
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) => (name === virtual ? ts.createSourceFile(name, source, language) : getSourceFile(name, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === virtual || fileExists(name);
  const program = ts.createProgram([virtual], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  if (diagnostics.length) {
    const failed = { problems: diagnostics.map((d) => `cannot load the Kubernetes types: ${d}`) };
    loadedTypes.set(cacheKey, failed);
    return failed;
  }
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(virtual)!;
  const typeOf = new Map<string, ts.Type>();
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const declaration = statement.declarationList.declarations[0]!;
    typeOf.set(kinds[Number((declaration.name as ts.Identifier).text.slice(1))]!, checker.getTypeAtLocation(declaration.name));
  }
  const loaded = { checker, file, typeOf };
  loadedTypes.set(cacheKey, loaded);
  return loaded;
}
