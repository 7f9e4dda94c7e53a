/**
 * Pure part of drift repair: Obot's container env against intent (DESIGN §10), and the JSON patch
 * that repairs only what drifted. Only `env` entries are ever touched: never image, replicas or
 * resources.
 */
import type { DriftVariable } from "./status";

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

export interface Container {
  name: string;
  image?: string;
  env?: EnvVar[];
}

export interface Deployment {
  metadata: { name: string; namespace?: string; resourceVersion?: string };
  spec: { replicas?: number; template: { spec: { containers: Container[] } } };
}

export type JsonPatchOp = { op: "test" | "add" | "replace"; path: string; value: unknown } | { op: "remove"; path: string };

export interface DriftIntent {
  feedUrl: string;
  encryptionProvider: string | undefined;
}

/** The variables drift repair manages, with their intended values. */
export function intendedEnv(intent: DriftIntent): { name: string; value: string }[] {
  const env = [
    { name: "OBOT_SERVER_DEFAULT_MCPCATALOG_PATH", value: intent.feedUrl },
    { name: "OBOT_SERVER_ENABLE_AUTHENTICATION", value: "false" },
    { name: "OBOT_SERVER_MCPRUNTIME_BACKEND", value: "kubernetes" },
    { name: "OBOT_SERVER_DISALLOW_PRIVATE_IPMCP", value: "false" },
  ];
  if (intent.encryptionProvider) env.push({ name: "OBOT_SERVER_ENCRYPTION_PROVIDER", value: intent.encryptionProvider });
  return env;
}

/** Obot's container: the one named obot, else the one running Obot's image, else the only one. */
export function obotContainerIndex(deployment: Deployment): number {
  const containers = deployment.spec.template.spec.containers;
  const byName = containers.findIndex((c) => c.name === "obot");
  if (byName >= 0) return byName;
  const byImage = containers.findIndex((c) => (c.image ?? "").includes("obot-platform/obot"));
  if (byImage >= 0) return byImage;
  return containers.length === 1 ? 0 : -1;
}

function describeValueFrom(valueFrom: Record<string, unknown>): string {
  const [kind, ref] = Object.entries(valueFrom)[0] ?? ["valueFrom", {}];
  const r = (ref ?? {}) as Record<string, unknown>;
  const where = [r.name, r.key ?? r.fieldPath ?? r.resource].filter(Boolean).join("/");
  return `valueFrom ${kind}${where ? ` ${where}` : ""}`;
}

export interface DriftPlan {
  variables: DriftVariable[];
  /** Empty when nothing is to be written; else starts with the resourceVersion test. */
  patch: JsonPatchOp[];
}

/**
 * What drifted and the patch that repairs it. In report mode the actions say what a repair would
 * do and the patch is empty. The patch's first op tests the resourceVersion the plan was made
 * from, so it applies to exactly that object or not at all.
 */
export function planDrift(deployment: Deployment, intent: DriftIntent, mode: "repair" | "report"): DriftPlan {
  const index = obotContainerIndex(deployment);
  if (index < 0) throw new Error(`no container of Deployment ${deployment.metadata.name} is Obot's (none is named obot or runs ghcr.io/obot-platform/obot)`);
  const base = `/spec/template/spec/containers/${index}/env`;
  const env = deployment.spec.template.spec.containers[index]!.env;
  const ops: JsonPatchOp[] = [];
  const added: EnvVar[] = [];
  const variables = intendedEnv(intent).map(({ name, value }): DriftVariable => {
    const at = env ? env.findIndex((e) => e.name === name) : -1;
    if (at < 0) {
      added.push({ name, value });
      return { name, intended: value, actual: null, action: mode === "repair" ? "added" : "would-add" };
    }
    const current = env![at]!;
    if (current.valueFrom) return { name, intended: value, actual: describeValueFrom(current.valueFrom), action: "set-elsewhere" };
    const actual = current.value ?? "";
    if (actual === value) return { name, intended: value, actual, action: "none" };
    ops.push({ op: "add", path: `${base}/${at}/value`, value });
    return { name, intended: value, actual, action: mode === "repair" ? "patched" : "would-patch" };
  });
  if (added.length > 0) {
    if (env) for (const variable of added) ops.push({ op: "add", path: `${base}/-`, value: variable });
    else ops.push({ op: "add", path: base, value: added });
  }
  if (mode === "report" || ops.length === 0) return { variables, patch: [] };
  return {
    variables,
    patch: [
      { op: "test", path: "/metadata/resourceVersion", value: deployment.metadata.resourceVersion },
      { op: "test", path: `/spec/template/spec/containers/${index}/name`, value: deployment.spec.template.spec.containers[index]!.name },
      ...ops,
    ],
  };
}
