import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { brotliCompress, constants, createBrotliCompress, createGzip, gzip, type BrotliCompress, type Gzip } from "node:zlib";
import { runInSlices } from "../util/slices";
import { runToEnd } from "../util/steps";

type Bytes = Uint8Array<ArrayBuffer>;
export type Encoding = "identity" | "gzip" | "br";
export type Coding = Exclude<Encoding, "identity">;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Moderate levels: measured on 2 MB of varied JSON text, gzip 6 is 1.7x faster than 9 for 0.3 %
 * more bytes, brotli 5 is ~30x faster than 10 (46 ms vs 1.3 s) for ~14 % more bytes.
 */
export const GZIP_LEVEL = 6;
export const BROTLI_QUALITY = 5;

/** The bytes in a standalone ArrayBuffer (copied once unless they are already), so answers hand them out without copying. */
function bytesOf(buffer: Buffer): Bytes {
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.byteLength && buffer.buffer instanceof ArrayBuffer) {
    return new Uint8Array(buffer.buffer, 0, buffer.byteLength);
  }
  const bytes = new Uint8Array(new ArrayBuffer(buffer.byteLength));
  bytes.set(buffer);
  return bytes;
}

/**
 * A body's bytes as the pieces they are made of, in order: answered by writing each piece (one
 * writev), never copied into one buffer. `byteLength` is their total.
 */
export class BodyParts {
  constructor(
    readonly parts: readonly Uint8Array[],
    readonly byteLength: number,
  ) {}

  /** The bytes in one buffer: for the few readers that need them so (a Web Response, a test). */
  joined(): Bytes {
    const bytes = new Uint8Array(new ArrayBuffer(this.byteLength));
    let at = 0;
    for (const part of this.parts) {
      bytes.set(part, at);
      at += part.byteLength;
    }
    return bytes;
  }
}

const brotliParams = (size: number) => ({
  [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
  [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
  [constants.BROTLI_PARAM_SIZE_HINT]: size,
});

/** Compresses on libuv's thread pool, never on the event loop. */
function compress(identity: Bytes, coding: Coding): Promise<Buffer> {
  if (coding === "gzip") return gzipAsync(identity, { level: GZIP_LEVEL });
  return brotliAsync(identity, { params: brotliParams(identity.length) });
}

/** What compressParts hands the compressor at a time: parts are joined up to this size. */
const COMPRESS_BATCH_BYTES = 1 << 20;

/**
 * compress() of the parts' bytes, fed to the compressor a megabyte at a time: the whole body is
 * never copied into one buffer, and each batch is short-lived garbage the young generation takes.
 */
function compressParts(body: BodyParts, coding: Coding): Promise<Buffer> {
  const stream: Gzip | BrotliCompress = coding === "gzip" ? createGzip({ level: GZIP_LEVEL }) : createBrotliCompress({ params: brotliParams(body.byteLength) });
  return new Promise<Buffer>((resolve, reject) => {
    const out: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => out.push(chunk));
    stream.once("end", () => resolve(Buffer.concat(out)));
    stream.once("error", reject);
    let batch: Uint8Array[] = [];
    let batched = 0;
    for (const part of body.parts) {
      batch.push(part);
      batched += part.byteLength;
      if (batched >= COMPRESS_BATCH_BYTES) {
        stream.write(Buffer.concat(batch, batched));
        batch = [];
        batched = 0;
      }
    }
    if (batched > 0) stream.write(Buffer.concat(batch, batched));
    stream.end();
  });
}

/** Bytes made on first demand: `assemble` in steps, or answered as their `parts` where that will do. */
interface DeferredBytes {
  size: number;
  assemble: () => Generator<void, Buffer, void>;
  parts?: () => readonly Uint8Array[];
}

/** The strong ETag of a body's coding (RFC 9110 §8.8.3: they differ per content-coding) from its identity validator. */
export function etagOf(hash: string, encoding: Encoding): string {
  return encoding === "identity" ? `"${hash}"` : `"${hash}-${encoding}"`;
}

/**
 * A feed body serialized once, with its strong validator. Each compressed form is made once, on
 * first demand and off the event loop; concurrent requests share the one compression in flight.
 * A body whose bytes recur in a later snapshot is carried over (see sameBody), so its ETag and
 * compressed forms survive rebuilds.
 */
export class EncodedBody {
  /** The identity bytes' length, known before deferred bytes are assembled. */
  readonly size: number;
  /** The identity validator: a hash of the bytes, or a digest they are a function of; each coding's ETag derives from it. */
  readonly hash: string;
  /** Whether equal hashes mean equal bytes by construction (a digest of everything the bytes are made of). */
  readonly hashCoversBytes: boolean;
  /** Called after a compressed form is made, so a cache bounded by bytes can count it. */
  onGrow: (() => void) | null = null;
  private identityBytes: Bytes | null;
  private assembling: Promise<Bytes> | null = null;
  /** Dropped once the bytes are made: it holds every entry the feed is assembled from. */
  private assemble: (() => Generator<void, Buffer, void>) | null;
  /** The pieces deferred bytes are made of, when they can be answered without assembling them. */
  private readonly pieces: (() => readonly Uint8Array[]) | null;
  private piecesMade: BodyParts | null = null;
  private compressed: Partial<Record<Coding, Bytes>> = {};
  private compressing: Partial<Record<Coding, Promise<Bytes>>> = {};
  private readonly etags: Record<Encoding, string>;

  /** `hash`: a validator the bytes are a function of; by default the bytes' own SHA-256. */
  constructor(bytes: Buffer, hash?: string);
  constructor(bytes: Buffer | DeferredBytes, hash: string);
  constructor(bytes: Buffer | DeferredBytes, hash?: string) {
    if (Buffer.isBuffer(bytes)) {
      this.identityBytes = bytesOf(bytes);
      this.size = bytes.length;
      this.assemble = null;
      this.pieces = null;
      this.hash = hash ?? createHash("sha256").update(bytes).digest("base64url").slice(0, 32);
      this.hashCoversBytes = hash === undefined;
    } else {
      this.identityBytes = null;
      this.size = bytes.size;
      this.assemble = bytes.assemble;
      this.pieces = bytes.parts ?? null;
      this.hash = hash!;
      this.hashCoversBytes = true;
    }
    this.etags = { identity: etagOf(this.hash, "identity"), gzip: etagOf(this.hash, "gzip"), br: etagOf(this.hash, "br") };
  }

  /**
   * A body whose `size` bytes are assembled only when first asked for, by `assemble`'s steps;
   * `hash` must be a digest of everything they are made of. A build superseded before anyone
   * fetched its body never assembles it.
   */
  static deferred(size: number, hash: string, assemble: () => Generator<void, Buffer, void>, parts?: () => readonly Uint8Array[]): EncodedBody {
    return new EncodedBody({ size, assemble, parts }, hash);
  }

  /**
   * The identity bytes for an answer without copying: the bytes if they are made, else the parts
   * of deferred bytes that have them (`deferred`'s `parts`), else undefined (assemble them first).
   * A feed fetched after every change would otherwise copy 13 MB into fresh memory each time,
   * which the old snapshot keeps until a major GC: about one more major GC every fifth fetch.
   */
  identityAnswer(): Bytes | BodyParts | undefined {
    if (this.identityBytes) return this.identityBytes;
    if (!this.pieces) return undefined;
    return (this.piecesMade ??= new BodyParts(this.pieces(), this.size));
  }

  /** The parts deferred bytes are made of (whether or not they have been assembled since), or null. */
  partsOrNull(): BodyParts | null {
    return this.pieces ? (this.piecesMade ?? new BodyParts(this.pieces(), this.size)) : null;
  }

  /**
   * The identity bytes, assembled now if they are deferred and not assembled yet: in one piece,
   * on the event loop. Where that matters, `bytes("identity")` assembles them in slices.
   */
  get identity(): Bytes {
    return this.identityBytes ?? this.assembledFrom(runToEnd(this.assemble!()));
  }

  private assembledFrom(bytes: Buffer): Bytes {
    this.identityBytes ??= bytesOf(bytes);
    this.assemble = null;
    this.piecesMade = null;
    this.onGrow?.();
    return this.identityBytes;
  }

  /** The coding's bytes if they are made already (identity always is, unless deferred), else undefined. */
  ready(encoding: Encoding): Bytes | undefined {
    return encoding === "identity" ? (this.identityBytes ?? undefined) : this.compressed[encoding];
  }

  /** Bytes held: the identity bytes once made and the compressed forms made so far. */
  get byteLength(): number {
    return (this.identityBytes?.byteLength ?? 0) + (this.compressed.gzip?.byteLength ?? 0) + (this.compressed.br?.byteLength ?? 0);
  }

  /** The coding's bytes, assembling or compressing them once if needed; a failed compression may be retried. */
  bytes(encoding: Encoding): Promise<Bytes> {
    const ready = this.ready(encoding);
    if (ready) return Promise.resolve(ready);
    if (encoding === "identity") return this.assembled();
    const coding = encoding;
    const parts = this.identityBytes ? undefined : this.identityAnswer();
    return (this.compressing[coding] ??= (
      parts instanceof BodyParts ? compressParts(parts, coding) : this.assembled().then((identity) => compress(identity, coding))
    ).then(
      (buffer) => {
        delete this.compressing[coding];
        const bytes = (this.compressed[coding] = bytesOf(buffer));
        this.onGrow?.();
        return bytes;
      },
      (error: unknown) => {
        delete this.compressing[coding];
        throw error;
      },
    ));
  }

  /** The identity bytes, assembled once, in slices between requests when deferred. */
  private assembled(): Promise<Bytes> {
    if (this.identityBytes) return Promise.resolve(this.identityBytes);
    return (this.assembling ??= runInSlices(this.assemble!()).then(({ value }) => this.identityBytes ?? this.assembledFrom(value)));
  }

  etag(encoding: Encoding): string {
    return this.etags[encoding];
  }
}

export function encodeBody(text: string): EncodedBody {
  return new EncodedBody(Buffer.from(text, "utf8"));
}

/** The earlier body when its bytes equal the new one's: it keeps its ETag and compressed forms. */
export function sameBody(next: EncodedBody, earlier: EncodedBody | null | undefined): EncodedBody {
  if (!earlier || earlier === next || earlier.hash !== next.hash) return next;
  if (earlier.hashCoversBytes && next.hashCoversBytes) return earlier;
  return Buffer.from(earlier.identity.buffer).equals(Buffer.from(next.identity.buffer)) ? earlier : next;
}

/** If-None-Match uses weak comparison (RFC 9110 §13.1.2): W/ prefixes and coding suffixes are ignored. */
export function ifNoneMatchHits(header: string | null, hash: string): boolean {
  if (!header) return false;
  return header.split(",").some((raw) => {
    const tag = raw.trim().replace(/^W\//, "");
    return tag === "*" || tag.replace(/^"|"$/g, "").replace(/-(gzip|br)$/, "") === hash;
  });
}

/**
 * The codings recently negotiated, by Accept-Encoding value: pollers send one of a few values
 * (Obot's Go client `gzip`, Node's fetch `gzip, deflate`, …) thousands of times a second, and a
 * 304 should not parse it each time. Bounded: emptied when full, so odd values cannot grow it.
 */
const negotiated = new Map<string, Encoding>();
const MAX_NEGOTIATED = 64;

/** Picks the coding from Accept-Encoding, honouring q-values; br before gzip when equally welcome. */
export function negotiateEncoding(acceptEncoding: string | null): Encoding {
  if (!acceptEncoding) return "identity";
  let encoding = negotiated.get(acceptEncoding);
  if (encoding === undefined) {
    if (negotiated.size >= MAX_NEGOTIATED) negotiated.clear();
    negotiated.set(acceptEncoding, (encoding = parseAcceptEncoding(acceptEncoding)));
  }
  return encoding;
}

function parseAcceptEncoding(acceptEncoding: string): Encoding {
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [token, ...params] = part.trim().toLowerCase().split(";");
    if (!token) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(token, Number.isFinite(value) ? value : 0);
  }
  const weight = (coding: string) => q.get(coding) ?? q.get("*") ?? 0;
  const br = weight("br");
  const gzip = Math.max(weight("gzip"), q.get("x-gzip") ?? 0);
  if (br > 0 && br >= gzip) return "br";
  if (gzip > 0) return "gzip";
  return "identity";
}
