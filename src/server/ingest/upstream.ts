/**
 * Reading a source's upstream documents: an MCP registry (paged, latest active version of each
 * server), a git repository (shallow clone, server.json files and Obot catalog entries), or the
 * documents of an upload.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { parseYamlDocuments } from "../formats/go-yaml";
import { sanitizeObotName } from "../catalog/model";
import { DomainError } from "../errors";
import { isPlainObject } from "../formats/keys";
import { looksLikeObotEntry } from "../formats/obot-entry";
import { looksLikeServerJson } from "../formats/server-json";
import { parseJsonText } from "../util/nesting";
import { stableStringify } from "../util/stable-json";
import { AllowList, checkedAddress, FetchFailed, FetchRefused, parseTarget, safeFetch } from "./fetch";

const run = promisify(execFile);

export interface UpstreamDocument {
  /** Stable identity of the document upstream: the server.json name, the Obot entry's key. */
  upstreamId: string;
  doc: unknown;
  version?: string;
  /** Where it came from (URL or file path), for messages. */
  origin: string;
}

export function digestOf(doc: unknown): string {
  return createHash("sha256").update(stableStringify(doc)).digest("hex");
}

export function upstreamIdOf(doc: unknown, fallback: string): string {
  if (!isPlainObject(doc)) return fallback;
  if (looksLikeObotEntry(doc)) {
    if (typeof doc.entryKey === "string" && doc.entryKey) return doc.entryKey;
    if (typeof doc.name === "string" && sanitizeObotName(doc.name)) return sanitizeObotName(doc.name);
    return fallback;
  }
  return typeof doc.name === "string" && doc.name ? doc.name : fallback;
}

// ---------------------------------------------------------------------------------------------
// MCP registry

const OFFICIAL = "io.modelcontextprotocol.registry/official";
const MAX_PAGES = 2000;

interface RegistryEntry {
  doc: unknown;
  meta: { status?: string; isLatest?: boolean; publishedAt?: string } | null;
}

function entriesOf(body: unknown): { entries: RegistryEntry[]; next: string | null } {
  if (Array.isArray(body)) return { entries: body.map(asEntry), next: null };
  if (!isPlainObject(body) || !Array.isArray(body.servers)) {
    throw new FetchFailed("the registry answered with neither a server list ({servers: [...], metadata}) nor a JSON array", false);
  }
  const metadata = isPlainObject(body.metadata) ? body.metadata : {};
  const next =
    typeof metadata.nextCursor === "string" && metadata.nextCursor
      ? metadata.nextCursor
      : typeof metadata.next_cursor === "string" && metadata.next_cursor
        ? metadata.next_cursor
        : null;
  return { entries: body.servers.map(asEntry), next };
}

function asEntry(item: unknown): RegistryEntry {
  if (isPlainObject(item) && isPlainObject(item.server)) {
    const meta = isPlainObject(item._meta) && isPlainObject(item._meta[OFFICIAL]) ? (item._meta[OFFICIAL] as RegistryEntry["meta"]) : null;
    return { doc: item.server, meta };
  }
  const meta = isPlainObject(item) && isPlainObject(item._meta) && isPlainObject(item._meta[OFFICIAL]) ? (item._meta[OFFICIAL] as RegistryEntry["meta"]) : null;
  return { doc: item, meta };
}

function versionOf(doc: unknown): string | undefined {
  if (!isPlainObject(doc)) return undefined;
  if (typeof doc.version === "string") return doc.version;
  return isPlainObject(doc.version_detail) && typeof doc.version_detail.version === "string" ? doc.version_detail.version : undefined;
}

function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.+-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    if (p === q) continue;
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (typeof p === "number" && typeof q === "number") return p - q;
    return String(p) < String(q) ? -1 : 1;
  }
  return 0;
}

/** Of all versions of each server, the one the registry marks latest and active (else the highest active). */
export function latestActive(entries: RegistryEntry[], origin: string): UpstreamDocument[] {
  const byName = new Map<string, RegistryEntry[]>();
  entries.forEach((entry, i) => {
    const id = upstreamIdOf(entry.doc, `${origin}#${i}`);
    byName.set(id, [...(byName.get(id) ?? []), entry]);
  });
  const out: UpstreamDocument[] = [];
  for (const [upstreamId, versions] of byName) {
    const active = versions.filter((v) => !v.meta?.status || v.meta.status === "active");
    if (active.length === 0) continue;
    const latest =
      active.find((v) => v.meta?.isLatest === true) ?? [...active].sort((a, b) => compareVersions(versionOf(b.doc) ?? "", versionOf(a.doc) ?? ""))[0]!;
    out.push({ upstreamId, doc: latest.doc, version: versionOf(latest.doc), origin });
  }
  return out;
}

export async function readRegistry(baseUrl: string, allow: AllowList, onPage?: (fetched: number) => void): Promise<UpstreamDocument[]> {
  const json = async (url: string) => {
    const result = await safeFetch(url, { allow });
    if (result.status === 404) return { notFound: true as const };
    if (result.status !== 200) throw new FetchFailed(`${url} answered ${result.status}`, false);
    try {
      return { body: parseJsonText(result.body.toString("utf8"), "its answer") };
    } catch (error) {
      if (error instanceof DomainError) throw new FetchFailed(`${url}: ${error.message}`, false);
      throw new FetchFailed(`${url} did not answer with JSON`, false);
    }
  };
  const base = baseUrl.replace(/\/+$/, "");
  // A plain JSON array URL (or a list page given directly) is read as it is.
  if (/\.json(\?.*)?$/i.test(base)) {
    const first = await json(base);
    if ("notFound" in first) throw new FetchFailed(`${base} was not found`, false);
    return latestActive(entriesOf(first.body).entries, base);
  }
  for (const version of ["v0.1", "v0"]) {
    const entries: RegistryEntry[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (let page = 0; page < MAX_PAGES; page++) {
      const url = `${base}/${version}/servers?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const answer = await json(url);
      if ("notFound" in answer) {
        if (page === 0) break;
        throw new FetchFailed(`${url} was not found in the middle of paging`, false);
      }
      const { entries: pageEntries, next } = entriesOf(answer.body);
      entries.push(...pageEntries);
      onPage?.(entries.length);
      if (!next) return latestActive(entries, base);
      if (seen.has(next)) throw new FetchFailed(`the registry repeated cursor ${next}: stopping`, false);
      seen.add(next);
      cursor = next;
    }
    if (entries.length > 0) throw new FetchFailed(`more than ${MAX_PAGES} pages: stopping`, false);
  }
  throw new FetchFailed(`${base} has neither /v0.1/servers nor /v0/servers`, false);
}

// ---------------------------------------------------------------------------------------------
// git

const MAX_FILES = 20_000;
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/** The directory `sub` names inside the clone, refused when it (or a symlink on the way) leads out of it. */
function safeSubdir(root: string, sub: string | null | undefined): string {
  const inside = (dir: string, base: string) => dir === base || dir.startsWith(base + path.sep);
  const dir = path.resolve(root, sub ?? ".");
  if (!inside(dir, root)) throw new FetchRefused(`path '${sub}' leaves the repository`);
  // A repository can hold a symlink to anywhere on this host: judge where the path really leads.
  if (fs.existsSync(dir) && !inside(fs.realpathSync(dir), fs.realpathSync(root))) throw new FetchRefused(`path '${sub}' leaves the repository`);
  return dir;
}

function documentsInFile(file: string, text: string): unknown[] {
  if (/\.ya?ml$/i.test(file)) return parseYamlDocuments(text, "the file");
  const parsed = parseJsonText(text, "the file");
  return Array.isArray(parsed) ? parsed : [parsed];
}

export async function readGit(
  source: { url: string; ref: string | null; path: string | null },
  allow: AllowList,
): Promise<{ documents: UpstreamDocument[]; commit: string; skipped: { file: string; reason: string }[] }> {
  // git gets `url.href`, the parsed URL re-serialized, never the stored string: curl must read the
  // same host from it as the guard did.
  const url = parseTarget(source.url);
  const pin: string[] = [];
  if (url.protocol === "file:") {
    if (!allow.allowsHost("file://")) throw new FetchRefused("file:// repositories are refused (allow them with OPENCRANE_FETCH_ALLOW_HOSTS=file://)");
  } else if (url.protocol === "https:" || url.protocol === "http:") {
    const checked = await checkedAddress(url, allow);
    // git resolves the name again when it connects: make it use the address the guard approved,
    // or a DNS answer that changes in between (rebinding) would reach a private address.
    if (!url.hostname.startsWith("[") && !/^[\d.]+$/.test(url.hostname)) {
      const port = url.port || (url.protocol === "https:" ? "443" : "80");
      pin.push("-c", `http.curloptResolve=${url.hostname}:${port}:${checked.family === 6 ? `[${checked.address}]` : checked.address}`);
    }
  } else {
    throw new FetchRefused(`${url.protocol} git URLs are not cloned; use https://`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opencrane-git-"));
  try {
    const args = [...pin, "-c", "http.followRedirects=false", "clone", "--quiet", "--depth", "1", "--single-branch", "--no-tags"];
    if (source.ref) args.push("--branch", source.ref);
    args.push("--", url.href, dir);
    await run("git", args, {
      timeout: 120_000,
      maxBuffer: 4 * 1024 * 1024,
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "true", GIT_CONFIG_NOSYSTEM: "1" },
    }).catch((error: Error & { stderr?: string }) => {
      throw new FetchFailed(
        `git clone ${source.url}${source.ref ? ` (${source.ref})` : ""} failed: ${(error.stderr || error.message).trim().split("\n").at(-1)}`,
        false,
      );
    });
    const { stdout } = await run("git", ["-C", dir, "rev-parse", "HEAD"]);
    const root = safeSubdir(dir, source.path);
    if (!fs.existsSync(root)) throw new FetchFailed(`path '${source.path}' does not exist in the repository`, false);
    const documents: UpstreamDocument[] = [];
    const skipped: { file: string; reason: string }[] = [];
    let files = 0;
    const walk = (current: string) => {
      for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (entry.name === ".git") continue;
        const full = path.join(current, entry.name);
        if (entry.isDirectory()) {
          walk(full);
          continue;
        }
        if (!entry.isFile() || !/\.(json|ya?ml)$/i.test(entry.name)) continue;
        if (++files > MAX_FILES) throw new FetchFailed(`more than ${MAX_FILES} candidate files`, false);
        const relative = path.relative(dir, full);
        if (fs.statSync(full).size > MAX_FILE_BYTES) {
          skipped.push({ file: relative, reason: "larger than 2 MiB" });
          continue;
        }
        let docs: unknown[];
        try {
          docs = documentsInFile(full, fs.readFileSync(full, "utf8"));
        } catch (error) {
          skipped.push({ file: relative, reason: `not valid ${/\.json$/i.test(full) ? "JSON" : "YAML"}: ${(error as Error).message.split("\n")[0]}` });
          continue;
        }
        docs.forEach((doc, i) => {
          if (!isPlainObject(doc) || !(looksLikeObotEntry(doc) || looksLikeServerJson(doc))) return;
          const where = docs.length > 1 ? `${relative}#${i}` : relative;
          documents.push({ upstreamId: upstreamIdOf(doc, where), doc, version: versionOf(doc), origin: where });
        });
      }
    };
    walk(root);
    return { documents, commit: stdout.trim(), skipped };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function readUpload(documents: readonly unknown[]): UpstreamDocument[] {
  return documents.map((doc, i) => ({ upstreamId: upstreamIdOf(doc, `upload#${i}`), doc, version: versionOf(doc), origin: `document ${i}` }));
}
