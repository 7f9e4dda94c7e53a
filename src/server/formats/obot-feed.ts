import { createHash } from "node:crypto";
import type { McpServer } from "../catalog/model";
import { obotEntryFor, type ObotEntry } from "../formats/obot-entry";
import { runToEnd } from "../util/steps";

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The Obot catalog: an array of entries for the active servers, ordered by server name (byte
 * order, so the body never depends on the database's collation).
 */
export function obotCatalogEntries(servers: readonly McpServer[]): ObotEntry[] {
  return servers
    .filter((s): s is McpServer & { runtime: NonNullable<McpServer["runtime"]> } => s.status === "active" && s.runtime !== null)
    .sort(byName)
    .map((s) => obotEntryFor(s));
}

/**
 * One entry's bytes and their SHA-256, made once per server object (server objects are never
 * changed in place). They are a second copy of the feed's bytes: views into the assembled feed
 * would save it, but then an old server object still referenced anywhere would keep a whole
 * earlier feed alive. The copy is the bounded choice.
 */
interface EncodedEntry {
  bytes: Buffer;
  sha256: Buffer;
}

const encodedEntries = new WeakMap<McpServer, EncodedEntry>();

/**
 * The text's UTF-8 bytes in memory of their own that threads can share: the internal port's poll
 * thread (feeds/poll-thread.ts) is handed the feed's parts and writes them to its sockets as they
 * are, so a feed fetched there is never copied between threads. (A pooled Buffer, as
 * Buffer.from makes for short strings, would drag its whole pool along.)
 */
function sharedBytes(text: string): Buffer {
  const bytes = Buffer.from(new SharedArrayBuffer(Buffer.byteLength(text)));
  bytes.write(text);
  return bytes;
}

function encodedEntryOf(server: McpServer): EncodedEntry {
  let entry = encodedEntries.get(server);
  if (!entry) {
    const bytes = sharedBytes(JSON.stringify(obotEntryFor(server as McpServer & { runtime: NonNullable<McpServer["runtime"]> })));
    encodedEntries.set(server, (entry = { bytes, sha256: createHash("sha256").update(bytes).digest() }));
  }
  return entry;
}

/** Entries encoded between two yields of a snapshot build. */
const ENTRIES_PER_STEP = 100;

/** Encodes the entries not encoded yet, yielding every ENTRIES_PER_STEP (a first build encodes thousands). */
export function* encodeObotEntries(servers: readonly McpServer[]): Generator<void, void, void> {
  let encoded = 0;
  for (const server of servers) {
    if (server.status !== "active" || server.runtime === null || encodedEntries.has(server)) continue;
    encodedEntryOf(server);
    if (++encoded % ENTRIES_PER_STEP === 0) yield;
  }
}

const OPEN = sharedBytes("[");
const COMMA = sharedBytes(",");
const CLOSE = sharedBytes("]");

/**
 * The feed's bytes, the same as JSON.stringify(obotCatalogEntries(servers)), assembled from each
 * entry's bytes, and a validator of them: a SHA-256 over the entries' own SHA-256s. Equal
 * validators mean equal bytes (each entry is covered by its hash, and the list by the outer
 * one), yet a build after one server changed hashes one entry, not the whole 10+ MB feed.
 */
export function renderObotFeedBytes(servers: readonly McpServer[]): { bytes: Buffer; hash: string } {
  return runToEnd(obotFeedSteps(servers));
}

/** Bytes copied into the feed between two yields. */
const BYTES_PER_STEP = 1 << 20;

/**
 * The feed as its parts: its length and validator, worked out from the entries' own lengths and
 * hashes without assembling it, and the steps that assemble it. A build needs only the
 * validator (polls with the current ETag need nothing else); the 13 MB of bytes at 1,700 servers
 * are assembled when first asked for (snapshot/encoded-body.ts EncodedBody.deferred), so a build
 * superseded before anyone fetched its feed never copies them.
 */
export function obotFeedParts(servers: readonly McpServer[]): FeedParts {
  return runToEnd(obotFeedPartsSteps(servers));
}

interface FeedParts {
  length: number;
  hash: string;
  assemble: () => Generator<void, Buffer, void>;
  parts: () => Buffer[];
}

/** obotFeedParts as steps of a build: the entries are looked up and hashed ENTRIES_PER_STEP at a time. */
export function* obotFeedPartsSteps(servers: readonly McpServer[]): Generator<void, FeedParts, void> {
  const listed = servers.filter((s) => s.status === "active" && s.runtime !== null).sort(byName);
  yield;
  const digest = createHash("sha256").update(`obot-feed\u0000${listed.length}\u0000`);
  const entries: EncodedEntry[] = [];
  let length = OPEN.length + CLOSE.length + Math.max(0, listed.length - 1) * COMMA.length;
  for (const server of listed) {
    const entry = encodedEntryOf(server);
    entries.push(entry);
    length += entry.bytes.length;
    digest.update(entry.sha256);
    if (entries.length % ENTRIES_PER_STEP === 0) yield;
  }
  return { length, hash: digest.digest("base64url").slice(0, 32), assemble: () => assembleSteps(entries, length), parts: () => partsOf(entries) };
}

/** The feed's bytes as the pieces they are made of, in order: each entry's own bytes, shared across builds. */
function partsOf(entries: readonly EncodedEntry[]): Buffer[] {
  const parts: Buffer[] = [OPEN];
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) parts.push(COMMA);
    parts.push(entries[i]!.bytes);
  }
  parts.push(CLOSE);
  return parts;
}

/**
 * The feed's bytes, copied into place about a megabyte per step: one copy of ~13 MB into fresh
 * memory (page faults and all) held the event loop for 10–20 ms.
 */
function* assembleSteps(entries: readonly EncodedEntry[], length: number): Generator<void, Buffer, void> {
  const bytes = Buffer.allocUnsafe(length);
  let at = OPEN.copy(bytes, 0);
  let sinceYield = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (i > 0) at += COMMA.copy(bytes, at);
    at += entry.bytes.copy(bytes, at);
    sinceYield += entry.bytes.length;
    if (sinceYield >= BYTES_PER_STEP) {
      sinceYield = 0;
      yield;
    }
  }
  CLOSE.copy(bytes, at);
  return bytes;
}

/** renderObotFeedBytes in steps: the parts, then the bytes assembled about a megabyte per step. */
export function* obotFeedSteps(servers: readonly McpServer[]): Generator<void, { bytes: Buffer; hash: string }, void> {
  const { hash, assemble } = yield* obotFeedPartsSteps(servers);
  yield;
  return { bytes: yield* assemble(), hash };
}
