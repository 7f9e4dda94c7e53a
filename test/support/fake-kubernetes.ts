/**
 * A stand-in for the Kubernetes API's Deployment endpoints, since no cluster runs here. It keeps
 * the API's semantics that drift repair relies on:
 * - every write gives the object a new `metadata.resourceVersion` (and a spec change a new
 *   `metadata.generation`);
 * - a write carrying a `resourceVersion` other than the stored one → 409 Conflict ("the object
 *   has been modified; please apply your changes to the latest version and try again");
 * - `PATCH` with `application/json-patch+json` applies RFC 6902 ops in order, all or nothing; a
 *   failed `test` op (or a path that does not exist) → 422 Unprocessable Entity, nothing written;
 * - other patch content types → 415; an unknown object → 404; a wrong bearer token → 401.
 * All answers on error are `Status` objects ({kind: "Status", status: "Failure", reason, code, message}).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

type Json = any;

export interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new StatusError(422, "Invalid", `invalid JSON pointer ${path}`);
  return path
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function parentOf(doc: Json, tokens: string[], path: string): { parent: Json; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (node === null || typeof node !== "object" || !(token in node)) throw new StatusError(422, "Invalid", `doc is missing path: ${path}`);
    node = node[token];
  }
  return { parent: node, key: tokens.at(-1)! };
}

/** RFC 6902 on a copy; throws StatusError 422 on any failed op. */
export function applyJsonPatch(doc: Json, ops: PatchOp[]): Json {
  const out = structuredClone(doc);
  for (const op of ops) {
    const tokens = pointer(op.path);
    const { parent, key } = parentOf(out, tokens, op.path);
    if (parent === null || typeof parent !== "object") throw new StatusError(422, "Invalid", `doc is missing path: ${op.path}`);
    const isArray = Array.isArray(parent);
    switch (op.op) {
      case "test": {
        const actual = isArray ? parent[Number(key)] : parent[key];
        if (JSON.stringify(actual) !== JSON.stringify(op.value)) {
          throw new StatusError(422, "Invalid", `the server rejected our request due to an error in our request: testing value ${op.path} failed`);
        }
        break;
      }
      case "add":
        if (isArray) {
          const index = key === "-" ? parent.length : Number(key);
          if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new StatusError(422, "Invalid", `add operation does not apply: ${op.path}`);
          parent.splice(index, 0, structuredClone(op.value));
        } else parent[key] = structuredClone(op.value);
        break;
      case "replace":
        if (isArray ? !(Number(key) < parent.length) : !(key in parent))
          throw new StatusError(422, "Invalid", `replace operation does not apply: doc is missing key: ${op.path}`);
        parent[isArray ? Number(key) : key] = structuredClone(op.value);
        break;
      case "remove":
        if (isArray ? !(Number(key) < parent.length) : !(key in parent))
          throw new StatusError(422, "Invalid", `remove operation does not apply: doc is missing path: ${op.path}`);
        if (isArray) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      default:
        throw new StatusError(422, "Invalid", `unexpected kind of operation: ${op.op}`);
    }
  }
  return out;
}

export class FakeKubernetes {
  readonly deployments = new Map<string, Json>();
  private version = 1000;
  /** Successful writes, in order. */
  readonly writes: { method: string; name: string; body: unknown }[] = [];
  /** Every request's status, in order ("PATCH 422"). */
  readonly answers: string[] = [];
  /** Runs before a PATCH is applied: a test can write the object here, as a concurrent writer would. */
  beforePatch: ((key: string) => void) | null = null;
  private server: http.Server | null = null;
  url = "";

  constructor(private readonly token: string | undefined = undefined) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Creates (or replaces, as an administrator would with kubectl) a Deployment; answers the stored object. */
  put(deployment: Json): Json {
    const key = `${deployment.metadata.namespace}/${deployment.metadata.name}`;
    const before = this.deployments.get(key);
    const stored = structuredClone(deployment);
    stored.metadata.resourceVersion = String(++this.version);
    stored.metadata.generation = before ? before.metadata.generation + (JSON.stringify(before.spec) === JSON.stringify(stored.spec) ? 0 : 1) : 1;
    this.deployments.set(key, stored);
    return structuredClone(stored);
  }

  get(namespace: string, name: string): Json {
    return structuredClone(this.deployments.get(`${namespace}/${name}`));
  }

  /** A write from a stale copy: 409 unless its resourceVersion is the stored one. */
  update(deployment: Json): Json {
    const key = `${deployment.metadata.namespace}/${deployment.metadata.name}`;
    const current = this.deployments.get(key);
    if (!current) throw new StatusError(404, "NotFound", `deployments.apps "${deployment.metadata.name}" not found`);
    if (deployment.metadata.resourceVersion !== undefined && deployment.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new StatusError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on deployments.apps "${deployment.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    return this.put(deployment);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (code: number, body: unknown) => {
      this.answers.push(`${req.method} ${code}`);
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      if (this.token && req.headers.authorization !== `Bearer ${this.token}`) throw new StatusError(401, "Unauthorized", "Unauthorized");
      const match = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments\/([^/]+)$/.exec(new URL(req.url ?? "/", "http://k").pathname);
      if (!match) throw new StatusError(404, "NotFound", "the server could not find the requested resource");
      const [, namespace, name] = match;
      const key = `${namespace}/${name}`;
      if (!this.deployments.has(key)) throw new StatusError(404, "NotFound", `deployments.apps "${name}" not found`);
      if (req.method === "GET") return send(200, this.get(namespace!, name!));
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
      if (req.method === "PUT") {
        const stored = this.update(body);
        this.writes.push({ method: "PUT", name: key, body });
        return send(200, stored);
      }
      if (req.method === "PATCH") {
        if (req.headers["content-type"] !== "application/json-patch+json")
          throw new StatusError(
            415,
            "UnsupportedMediaType",
            `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, ...`,
          );
        this.beforePatch?.(key);
        const patched = applyJsonPatch(this.deployments.get(key), body as PatchOp[]);
        const stored = this.update(patched);
        this.writes.push({ method: "PATCH", name: key, body });
        return send(200, stored);
      }
      throw new StatusError(405, "MethodNotAllowed", `${req.method} is not supported`);
    } catch (error) {
      const e = error instanceof StatusError ? error : new StatusError(500, "InternalError", String(error));
      send(e.code, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: e.message, reason: e.reason, code: e.code });
    }
  }
}
