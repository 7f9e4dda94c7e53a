/**
 * The contract bodies served recently, bounded by bytes (OPENCRANE_CONTRACT_CACHE_MB). A body is a
 * function of its tenant's contract fingerprint and revision, so an entry stays valid across
 * snapshot builds for as long as those two are unchanged: the cache lives beside the snapshots, not
 * in one. Least recently served bodies go first; a body evicted is rendered again, byte for byte,
 * on the tenant's next 200 (a 304 needs no body: the ETag derives from the fingerprint and revision).
 */
import type { EncodedBody } from "./encoded-body";

interface Entry {
  fingerprint: string;
  revision: number;
  body: EncodedBody;
  /** The bytes the body held when last counted (identity and any compressed forms). */
  bytes: number;
}

export class ContractBodyCache {
  /** In least recently used order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, Entry>();
  private total = 0;
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held: identity and compressed forms of every cached body. */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The tenant's body if cached for exactly this fingerprint and revision. */
  get(tenant: string, fingerprint: string, revision: number): EncodedBody | undefined {
    const entry = this.entries.get(tenant);
    if (!entry || entry.fingerprint !== fingerprint || entry.revision !== revision) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(tenant);
    this.entries.set(tenant, entry);
    return entry.body;
  }

  /** Keeps the body (replacing the tenant's earlier one), then evicts the least recently used beyond the bound. */
  set(tenant: string, fingerprint: string, revision: number, body: EncodedBody): void {
    this.remove(tenant);
    // A body beyond the whole bound is served uncached rather than flushing every other.
    if (body.byteLength > this.maxBytes) return;
    const entry: Entry = { fingerprint, revision, body, bytes: body.byteLength };
    this.entries.set(tenant, entry);
    this.total += entry.bytes;
    // Compressed forms are made later, on demand: count them when they are.
    body.onGrow = () => {
      if (this.entries.get(tenant) !== entry) return;
      this.total += body.byteLength - entry.bytes;
      entry.bytes = body.byteLength;
      this.evict();
    };
    this.evict();
  }

  /** Drops the tenant's body. */
  remove(tenant: string): void {
    const entry = this.entries.get(tenant);
    if (!entry) return;
    this.entries.delete(tenant);
    this.total -= entry.bytes;
  }

  private evict(): void {
    for (const [tenant] of this.entries) {
      if (this.total <= this.maxBytes) return;
      this.remove(tenant);
      this.evictions++;
    }
  }
}
