/**
 * The two Kubernetes API calls drift repair needs (GET and JSON-patch a Deployment), over plain
 * node:https with the cluster's CA. Plain HTTP rather than @kubernetes/client-node: two calls do
 * not justify a large dependency whose API changed across majors, and the errors stay the API's
 * own status and message.
 */
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import type { Deployment, JsonPatchOp } from "./drift-plan";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export class KubernetesError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The Status object's reason, e.g. Conflict, NotFound, Invalid. */
    readonly reason: string | undefined,
  ) {
    super(message);
  }
}

export interface KubernetesClientOptions {
  /** Unset: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with the ServiceAccount's CA. */
  apiUrl: string | undefined;
  /** Unset: the ServiceAccount token, re-read per request (the kubelet rotates it). */
  token: string | undefined;
  serviceAccountDir?: string;
}

export class KubernetesClient {
  private readonly base: URL;
  private readonly ca: Buffer | undefined;

  constructor(private readonly options: KubernetesClientOptions) {
    const dir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    const url =
      options.apiUrl ??
      (process.env.KUBERNETES_SERVICE_HOST ? `https://${process.env.KUBERNETES_SERVICE_HOST}:${process.env.KUBERNETES_SERVICE_PORT ?? 443}` : undefined);
    if (!url) throw new Error("no Kubernetes API: set OPENCRANE_KUBERNETES_API_URL, or run in a pod");
    this.base = new URL(url);
    this.ca = fs.existsSync(`${dir}/ca.crt`) ? fs.readFileSync(`${dir}/ca.crt`) : undefined;
  }

  private token(): string | undefined {
    if (this.options.token) return this.options.token;
    const file = `${this.options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR}/token`;
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim() : undefined;
  }

  private request(method: string, path: string, body?: { contentType: string; data: unknown }): Promise<unknown> {
    const url = new URL(path, this.base);
    const token = this.token();
    const payload = body ? Buffer.from(JSON.stringify(body.data)) : undefined;
    const headers: Record<string, string> = { accept: "application/json" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload) {
      headers["content-type"] = body!.contentType;
      headers["content-length"] = String(payload.length);
    }
    const transport = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, ca: this.ca, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = null;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed);
          const statusObject = (parsed ?? {}) as { message?: string; reason?: string };
          reject(new KubernetesError(status, `${method} ${url.pathname}: ${status} ${statusObject.message ?? text.slice(0, 200)}`, statusObject.reason));
        });
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  private deploymentPath(namespace: string, name: string) {
    return `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}`;
  }

  getDeployment(namespace: string, name: string): Promise<Deployment> {
    return this.request("GET", this.deploymentPath(namespace, name)) as Promise<Deployment>;
  }

  patchDeployment(namespace: string, name: string, patch: JsonPatchOp[]): Promise<Deployment> {
    return this.request("PATCH", this.deploymentPath(namespace, name), { contentType: "application/json-patch+json", data: patch }) as Promise<Deployment>;
  }
}
