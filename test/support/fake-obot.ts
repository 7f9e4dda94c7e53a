/**
 * A stand-in for Obot's MCP catalog API, since Obot cannot run here. It keeps the rules of the
 * real code (obot-platform/obot at ba10ff7; DESIGN §10):
 * - `GET /api/mcp-catalogs/default` → {id, displayName, sourceURLs, sourceURLCredentials (masked
 *   "****" + last 4), lastSynced, syncErrors, isSyncing (true from a refresh until its sync ends)}
 *   (pkg/api/handlers/mcpcatalogs.go convertMCPCatalog);
 * - `PUT /api/mcp-catalogs/default` replaces the sources; each must be https, except one equal to
 *   the configured default catalog path; a URL without a scheme gets https://; two URLs with one
 *   source id → 400 (normalizeAndValidateCatalogSourceURLs, pkg/mcp/source.go). Tokens merge
 *   as mergeCatalogTokens does: a new value is stored, "" drops it, "*" or a masked value keeps
 *   the stored one, a URL not mentioned keeps its stored token, a removed URL loses it;
 * - `POST /api/mcp-catalogs/default/refresh` marks the catalog; the controller then re-reads
 *   every source with a plain GET (+ `Authorization: Bearer` when a token is stored), requires
 *   200, decodes a YAML/JSON array; an invalid entry is skipped and reported, a failed source
 *   keeps its old entries and is reported in syncErrors; only a sync without errors deletes the
 *   entries its sources no longer list (pkg/controller/handlers/mcpcatalog/mcpcatalog.go);
 * - `GET /api/mcp-catalogs/default/entries?all=true` → {items: [{id, sourceURL, manifest, …}]}.
 * Simplification: manifests are kept as decoded from YAML/JSON, not re-encoded through Go structs.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import YAML from "yaml";

export interface FakeObotEntry {
  id: string;
  sourceURL: string;
  manifest: Record<string, unknown>;
  lastUpdated: string;
  mcpCatalogName: string;
}

export interface FakeObotOptions {
  /** OBOT_SERVER_DEFAULT_MCPCATALOG_PATH: the one source that may be plain http. */
  defaultCatalogPath: string;
  /** The catalog's sources at first start (Obot: [defaultCatalogPath]). */
  sourceURLs?: string[];
  tokens?: Record<string, string>;
  /** Bodies for https sources that cannot be served here; any other URL is fetched for real. */
  staticSources?: Record<string, string>;
  /** How long after a refresh the controller starts the sync. */
  syncDelayMs?: number;
  /** Listen here (default: any free port). */
  port?: number;
}

const MASK = "****";
const ZERO_TIME = "0001-01-01T00:00:00Z";
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function sourceIdForUrl(url: string): string {
  return url
    .replace(/^https:\/\//, "")
    .replace(/^http:\/\//, "")
    .replace(/\/+$/, "");
}

function mask(token: string): string {
  return token.length <= 4 ? MASK : MASK + token.slice(-4);
}

function isMasked(token: string): boolean {
  return token.startsWith(MASK) && token.length - MASK.length <= 4;
}

function normalizeEntryName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

class BadRequest extends Error {}

export class FakeObot {
  displayName = "Default";
  sourceURLs: string[];
  tokens: Map<string, string>;
  syncErrors: Record<string, string> = {};
  lastSynced = ZERO_TIME;
  isSyncing = false;
  private syncAnnotation = false;
  readonly entries = new Map<string, FakeObotEntry>();
  /** Requests seen, in order ("METHOD path"). */
  readonly requests: string[] = [];
  refreshes = 0;
  syncs = 0;
  /** While set, every connection is dropped: Obot is unreachable. */
  down = false;
  /** Headers of the last fetch of each source, for credential checks. */
  readonly sourceFetches: { url: string; authorization: string | undefined; status: number }[] = [];
  private server: http.Server | null = null;
  private syncTimer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  url = "";

  constructor(private readonly options: FakeObotOptions) {
    this.sourceURLs = options.sourceURLs ?? [options.defaultCatalogPath];
    this.tokens = new Map(Object.entries(options.tokens ?? {}));
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.options.port ?? 0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    await this.syncing?.catch(() => undefined);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    if (this.down) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? "/", "http://obot.test");
    this.requests.push(`${req.method} ${url.pathname}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const catalog = /^\/api\/mcp-catalogs\/([^/]+)(\/refresh|\/entries)?$/.exec(url.pathname);
      if (!catalog) return send(404, { error: "not found" });
      const [, id, sub] = catalog;
      if (id !== "default") {
        if (req.method === "PUT") return send(400, { error: "only the default catalog can be updated" });
        return send(404, { error: `mcpcatalogs "${id}" not found` });
      }
      if (!sub && req.method === "GET") return send(200, this.catalogView());
      if (!sub && req.method === "PUT") {
        this.update(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"));
        return send(200, this.catalogView());
      }
      if (sub === "/refresh" && req.method === "POST") {
        this.refresh();
        return send(200, this.catalogView());
      }
      if (sub === "/entries" && req.method === "GET") return send(200, { items: [...this.entries.values()] });
      return send(405, { error: "method not allowed" });
    } catch (error) {
      send(error instanceof BadRequest ? 400 : 500, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  catalogView() {
    const credentials: Record<string, string> = {};
    for (const url of this.sourceURLs) {
      const token = this.tokens.get(url);
      if (token !== undefined) credentials[url] = mask(token);
    }
    return {
      id: "default",
      displayName: this.displayName,
      sourceURLs: this.sourceURLs,
      sourceURLCredentials: Object.keys(credentials).length > 0 ? credentials : undefined,
      lastSynced: this.lastSynced,
      syncErrors: this.syncErrors,
      isSyncing: this.isSyncing || this.syncAnnotation,
    };
  }

  /** PUT /api/mcp-catalogs/default with Obot's validation and token merging. */
  update(manifest: { displayName?: string; sourceURLs?: string[]; sourceURLCredentials?: Record<string, string> }): void {
    const original = [...(manifest.sourceURLs ?? [])];
    const urls = original.map((url) => {
      if (url === "" || url === this.options.defaultCatalogPath) return url;
      const withScheme = url.includes("://") ? url : `https://${url}`;
      let parsed: URL;
      try {
        parsed = new URL(withScheme);
      } catch (error) {
        throw new BadRequest(`invalid URL: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (parsed.protocol !== "https:") throw new BadRequest("only HTTPS URLs are supported");
      return withScheme;
    });
    const seen = new Set<string>();
    for (const url of urls) {
      if (url === "") continue;
      const id = sourceIdForUrl(url);
      if (id === "") throw new BadRequest(`invalid catalog source URL "${url}"`);
      if (seen.has(id)) throw new BadRequest(`duplicate catalog source ID "${id}"`);
      seen.add(id);
    }
    // remapCatalogSourceValues: credentials given for a URL follow its normalized form.
    const incoming: Record<string, string> = {};
    for (const [url, token] of Object.entries(manifest.sourceURLCredentials ?? {})) {
      const i = original.indexOf(url);
      incoming[i >= 0 ? urls[i]! : url] = token;
    }
    const active = new Set(urls);
    const next = new Map<string, string>();
    for (const [url, token] of Object.entries(incoming)) {
      if (!active.has(url) || token === "") continue;
      if (token === "*" || isMasked(token)) {
        const existing = this.tokens.get(url);
        if (existing !== undefined) next.set(url, existing);
      } else next.set(url, token);
    }
    for (const url of urls) {
      if (url in incoming) continue;
      const existing = this.tokens.get(url);
      if (existing !== undefined) next.set(url, existing);
    }
    this.displayName = manifest.displayName ?? this.displayName;
    this.sourceURLs = urls;
    this.tokens = next;
  }

  /** POST …/refresh: the sync annotation; the controller syncs shortly after. */
  refresh(): void {
    this.refreshes += 1;
    this.syncAnnotation = true;
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.syncing = this.sync().finally(() => (this.syncing = null));
    }, this.options.syncDelayMs ?? 20);
  }

  /** One sync of every source, as Obot's controller runs it. */
  async sync(): Promise<void> {
    this.syncAnnotation = false;
    this.isSyncing = true;
    this.syncs += 1;
    const errors: Record<string, string> = {};
    const desired = new Map<string, FakeObotEntry>();
    const failedSources = new Set<string>();
    for (const sourceURL of this.sourceURLs) {
      if (!sourceURL) continue;
      let manifests: unknown[];
      try {
        manifests = await this.read(sourceURL);
      } catch (error) {
        errors[sourceURL] = error instanceof Error ? error.message : String(error);
        failedSources.add(sourceURL);
        continue;
      }
      const sourceId = sourceIdForUrl(sourceURL);
      const keys = new Set<string>();
      for (const manifest of manifests) {
        const problem = this.invalid(manifest, keys);
        if (problem) {
          errors[sourceURL] = errors[sourceURL] ? `${errors[sourceURL]}; ${problem}` : problem;
          continue;
        }
        const m = manifest as Record<string, unknown>;
        const key = typeof m.entryKey === "string" && m.entryKey ? m.entryKey : normalizeEntryName(String(m.name));
        const id = `${normalizeEntryName(sourceId)}-${key}`;
        desired.set(id, { id, sourceURL, manifest: m, lastUpdated: new Date().toISOString(), mcpCatalogName: "default" });
      }
    }
    for (const [id, entry] of desired) {
      const before = this.entries.get(id);
      if (!before || JSON.stringify(before.manifest) !== JSON.stringify(entry.manifest)) this.entries.set(id, entry);
    }
    if (Object.keys(errors).length === 0) {
      for (const id of [...this.entries.keys()]) if (!desired.has(id)) this.entries.delete(id);
    }
    this.syncErrors = errors;
    this.lastSynced = new Date().toISOString();
    this.isSyncing = false;
  }

  private invalid(manifest: unknown, keys: Set<string>): string | null {
    if (!manifest || typeof manifest !== "object" || Array.isArray(manifest)) return "an entry is not an object";
    const m = manifest as Record<string, unknown>;
    if (typeof m.name !== "string" || normalizeEntryName(m.name) === "") return "an entry has no name";
    if (m.entryKey !== undefined && m.entryKey !== "") {
      if (typeof m.entryKey !== "string" || !DNS1123_SUBDOMAIN.test(m.entryKey))
        return `failed to validate catalog entry ${m.name}: entryKey must be a DNS-1123 subdomain`;
      if (keys.has(m.entryKey)) return `duplicate source entry key "${m.entryKey}" in ${m.name}`;
      keys.add(m.entryKey);
    }
    return null;
  }

  private async read(sourceURL: string): Promise<unknown[]> {
    let text: string;
    const staticBody = this.options.staticSources?.[sourceURL];
    const token = this.tokens.get(sourceURL);
    if (staticBody !== undefined) {
      text = staticBody;
      this.sourceFetches.push({ url: sourceURL, authorization: token ? `Bearer ${token}` : undefined, status: 200 });
    } else {
      const response = await fetch(sourceURL, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      this.sourceFetches.push({ url: sourceURL, authorization: token ? `Bearer ${token}` : undefined, status: response.status });
      text = await response.text();
      if (response.status !== 200) throw new Error(`unexpected status ${response.status} reading catalog ${sourceURL}`);
    }
    let decoded: unknown;
    try {
      decoded = YAML.parse(text);
    } catch (error) {
      throw new Error(`failed to decode catalog ${sourceURL}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!Array.isArray(decoded)) throw new Error(`failed to decode catalog ${sourceURL}: not an array of entries`);
    return decoded;
  }
}
