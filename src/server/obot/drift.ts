/**
 * Drift repair of Obot's Deployment (DESIGN §10): every OPENCRANE_OBOT_DRIFT_SECONDS one replica
 * (the holder of a transaction-scoped Postgres advisory lock) reads the Deployment, compares
 * Obot's container env with intent and, in repair mode, patches only what drifted. The patch is
 * guarded by the resourceVersion it was planned from; when another writer got there first, it is
 * planned again from a fresh read. Patching the pod template rolls Obot's pods: the status says so.
 */
import { sql } from "drizzle-orm";
import { recordAudit, SYSTEM } from "../audit/audit";
import type { ObotDriftConfig } from "../config";
import type { Db } from "../db/client";
import { planDrift, type DriftPlan } from "./drift-plan";
import { KubernetesError, type KubernetesClient } from "./kubernetes";
import { DRIFT_OFF, type DriftView } from "./status";

/** The advisory lock key of drift repair: one replica checks at a time. */
export const DRIFT_LOCK = 0x0b07d21f;
const MAX_ATTEMPTS = 5;

export const ROLLS_PODS = "Patching the pod template rolls Obot's pods: Kubernetes replaces them with ones that have the repaired env.";

export interface DriftRepairerOptions {
  config: ObotDriftConfig;
  db: Db;
  /** Take the advisory lock (Postgres); PGlite serves one process, and holding its only connection would stall it. */
  lock: boolean;
  kubernetes: KubernetesClient;
  events?: { repaired?(result: "ok" | "error"): void; checked?(view: DriftView): void };
  log?: (message: string) => void;
  now?: () => Date;
}

export type CheckResult = "checked" | "locked-elsewhere";

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A stale write: 409 Conflict, or the resourceVersion `test` op failing (422 from the API). */
function isStale(error: unknown): boolean {
  return error instanceof KubernetesError && (error.status === 409 || error.status === 422);
}

export class DriftRepairer {
  private status: DriftView;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<CheckResult> | null = null;

  constructor(private readonly options: DriftRepairerOptions) {
    const { config } = options;
    // Until the first check nothing is known: not claimed in line.
    this.status = {
      ...DRIFT_OFF,
      deployment: `${config.namespace}/${config.name}`,
      mode: config.mode,
      state: config.mode === "off" ? "off" : "error",
      ...(config.mode === "off" ? {} : { message: "not checked yet" }),
    };
  }

  private now() {
    return this.options.now?.() ?? new Date();
  }

  view(): DriftView {
    return { ...this.status, variables: this.status.variables.map((v) => ({ ...v })) };
  }

  start(): void {
    if (this.options.config.mode === "off" || this.timer) return;
    const tick = () => {
      void this.check()
        .catch(() => undefined)
        .finally(() => {
          if (!this.timer) return;
          this.timer = setTimeout(tick, this.options.config.intervalMs);
          this.timer.unref();
        });
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One check (and repair), under the lock; another replica holding it means this one skips. */
  check(): Promise<CheckResult> {
    this.running ??= this.checkLocked().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async checkLocked(): Promise<CheckResult> {
    if (this.options.config.mode === "off") return "checked";
    if (!this.options.lock) {
      await this.checkOnce(this.options.db);
      return "checked";
    }
    return this.options.db.transaction(async (tx) => {
      const result = await tx.execute(sql`select pg_try_advisory_xact_lock(${DRIFT_LOCK}) as locked`);
      const rows = Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? []);
      if (!(rows[0] as { locked?: boolean } | undefined)?.locked) return "locked-elsewhere";
      await this.checkOnce(tx as unknown as Db);
      return "checked";
    });
  }

  private async checkOnce(tx: Db): Promise<void> {
    const { config, kubernetes } = this.options;
    const intent = { feedUrl: config.feedUrl, encryptionProvider: config.encryptionProvider };
    const mode = config.mode === "report" ? "report" : "repair";
    try {
      for (let attempt = 1; ; attempt++) {
        const deployment = await kubernetes.getDeployment(config.namespace, config.name);
        const plan: DriftPlan = planDrift(deployment, intent, mode);
        const drifted = plan.variables.some((v) => v.action !== "none" && v.action !== "set-elsewhere");
        if (plan.patch.length === 0) {
          this.settle({
            variables: plan.variables,
            state: drifted ? "drifted" : "in-line",
            message: drifted ? "report-only mode: nothing was patched" : undefined,
          });
          return;
        }
        try {
          await kubernetes.patchDeployment(config.namespace, config.name, plan.patch);
        } catch (error) {
          if (isStale(error) && attempt < MAX_ATTEMPTS) continue;
          throw error;
        }
        const repaired = plan.variables.filter((v) => v.action === "patched" || v.action === "added");
        await recordAudit(tx, SYSTEM, {
          action: "obot.deployment_env_repair",
          entityType: "obot_deployment",
          entityId: `${config.namespace}/${config.name}`,
          before: Object.fromEntries(repaired.map((v) => [v.name, v.actual])),
          after: Object.fromEntries(repaired.map((v) => [v.name, v.intended])),
        });
        this.options.events?.repaired?.("ok");
        this.options.log?.(`repaired ${repaired.map((v) => v.name).join(", ")} on Deployment ${config.namespace}/${config.name}; its pods roll`);
        this.settle({ variables: plan.variables, state: "repaired", message: ROLLS_PODS, repairedAt: this.now() });
        return;
      }
    } catch (error) {
      if (config.mode === "repair") this.options.events?.repaired?.("error");
      this.settle({ variables: this.status.variables, state: "error", message: message(error) });
    }
  }

  private settle(outcome: { variables: DriftView["variables"]; state: DriftView["state"]; message?: string; repairedAt?: Date }) {
    this.status = {
      ...this.status,
      state: outcome.state,
      variables: outcome.variables,
      lastCheckedAt: this.now().toISOString(),
      lastRepairedAt: outcome.repairedAt?.toISOString() ?? this.status.lastRepairedAt,
      ...(outcome.message ? { message: outcome.message } : {}),
    };
    if (!outcome.message) delete this.status.message;
    this.options.events?.checked?.(this.view());
  }
}
