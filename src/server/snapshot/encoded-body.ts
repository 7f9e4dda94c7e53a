import { createHash } from "node:crypto";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

type Bytes = Uint8Array<ArrayBuffer>;
export type Encoding = "identity" | "gzip" | "br";

/** Copies into a standalone ArrayBuffer once, so answers hand the bytes out without copying. */
function bytesOf(buffer: Buffer): Bytes {
  const bytes = new Uint8Array(new ArrayBuffer(buffer.byteLength));
  bytes.set(buffer);
  return bytes;
}

/**
 * A feed body serialized once per snapshot, with its strong validator. Compressed forms are made
 * on first demand and kept, so a body is compressed at most once per coding, never per request.
 */
export class EncodedBody {
  readonly identity: Bytes;
  /** Hash of the identity bytes; each coding's ETag derives from it. */
  readonly hash: string;
  private compressed: Partial<Record<"gzip" | "br", Bytes>> = {};

  constructor(text: string) {
    const buffer = Buffer.from(text, "utf8");
    this.identity = bytesOf(buffer);
    this.hash = createHash("sha256").update(buffer).digest("base64url").slice(0, 32);
  }

  bytes(encoding: Encoding): Bytes {
    if (encoding === "identity") return this.identity;
    return (this.compressed[encoding] ??= bytesOf(
      encoding === "gzip"
        ? gzipSync(this.identity, { level: 9 })
        : brotliCompressSync(this.identity, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 10,
              [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
              [constants.BROTLI_PARAM_SIZE_HINT]: this.identity.length,
            },
          }),
    ));
  }

  /** Strong ETags differ per content-coding (RFC 9110 §8.8.3) and share the identity hash. */
  etag(encoding: Encoding): string {
    return encoding === "identity" ? `"${this.hash}"` : `"${this.hash}-${encoding}"`;
  }
}

export function encodeBody(text: string): EncodedBody {
  return new EncodedBody(text);
}

/** If-None-Match uses weak comparison (RFC 9110 §13.1.2): W/ prefixes and coding suffixes are ignored. */
export function ifNoneMatchHits(header: string | null, hash: string): boolean {
  if (!header) return false;
  return header.split(",").some((raw) => {
    const tag = raw.trim().replace(/^W\//, "");
    return tag === "*" || tag.replace(/^"|"$/g, "").replace(/-(gzip|br)$/, "") === hash;
  });
}

/** Picks the coding from Accept-Encoding, honouring q-values; br before gzip when equally welcome. */
export function negotiateEncoding(acceptEncoding: string | null): Encoding {
  if (!acceptEncoding) return "identity";
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
