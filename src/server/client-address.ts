/**
 * Who is calling: the address of the TCP peer, or, when that peer is a configured trusted proxy
 * (OPENCRANE_TRUSTED_PROXIES), the right-most X-Forwarded-For entry no trusted proxy wrote. The
 * sign-in throttle, the audit log and the fetch log all read it through `clientAddress`; a header a
 * client sends is never believed on its own.
 *
 * Next.js route handlers see a Request, not the socket. So every node:http(s) server in the process
 * stamps each request, as it arrives, with its socket's address in PEER_HEADER, next to a secret
 * made at start-up (any copy a client sent is dropped). A stamp without the secret (the stamping was
 * never installed in this process, or a client made it up) counts as no address at all.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import ipaddr from "ipaddr.js";

export const PEER_HEADER = "x-opencrane-peer";

const SECRET = Symbol.for("opencrane.peer-stamp-secret");
// Shared through globalThis: Next.js bundles instrumentation and each route separately.
const shared = globalThis as typeof globalThis & { [SECRET]?: string };

const UNSTAMPED = Symbol.for("opencrane.peer-stamp-exempt");

/**
 * A server that reads its requests' socket addresses itself (the internal port) and never hands
 * them to Next.js: installPeerStamp leaves its requests alone, sparing every poll the work.
 */
export function exemptFromPeerStamp(server: http.Server): void {
  (server as http.Server & { [UNSTAMPED]?: true })[UNSTAMPED] = true;
}

/** Makes every node:http(s) server of this process stamp requests with their socket's address. Idempotent. */
export function installPeerStamp(): void {
  if (shared[SECRET]) return;
  const secret = randomBytes(24).toString("base64url");
  shared[SECRET] = secret;
  for (const prototype of [http.Server.prototype, https.Server.prototype]) {
    const emit = prototype.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
    prototype.emit = function (this: http.Server & { [UNSTAMPED]?: true }, event: string | symbol, ...args: unknown[]) {
      if (event === "request" && !this[UNSTAMPED]) stampPeer(args[0] as http.IncomingMessage, secret);
      return emit.call(this, event, ...args);
    } as typeof prototype.emit;
  }
}

/** Replaces whatever PEER_HEADER the client sent with the socket's address. */
export function stampPeer(request: http.IncomingMessage, secret = shared[SECRET]): void {
  if (!secret) return;
  const given = request.headers[PEER_HEADER];
  // Already stamped by this process (a request handed on from one of its own servers): keep it.
  if (typeof given === "string" && given.startsWith(`${secret} `) && !given.includes(",")) return;
  delete request.headers[PEER_HEADER];
  for (let i = request.rawHeaders.length - 2; i >= 0; i -= 2) {
    if (request.rawHeaders[i]!.toLowerCase() === PEER_HEADER) request.rawHeaders.splice(i, 2);
  }
  const address = request.socket?.remoteAddress;
  if (!address) return;
  const value = `${secret} ${address}`;
  request.headers[PEER_HEADER] = value;
  request.rawHeaders.push(PEER_HEADER, value);
}

/** The stamped socket address of a request, or undefined when it carries no genuine stamp. */
export function stampedPeer(headers: { get(name: string): string | null }): string | undefined {
  const secret = shared[SECRET];
  const value = headers.get(PEER_HEADER);
  if (!secret || !value?.startsWith(`${secret} `)) return undefined;
  return value.slice(secret.length + 1);
}

/** Addresses and CIDR ranges of the proxies whose X-Forwarded-For entries are believed. */
export class TrustedProxies {
  private readonly ranges: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];

  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      if (!entry) continue;
      try {
        if (entry.includes("/")) this.ranges.push(normalizeRange(ipaddr.parseCIDR(entry)));
        else {
          const ip = ipaddr.process(entry);
          this.ranges.push([ip, ip.kind() === "ipv4" ? 32 : 128]);
        }
      } catch {
        throw new Error(`OPENCRANE_TRUSTED_PROXIES: '${raw}' is neither an IP address nor a CIDR range (such as 10.0.0.0/8)`);
      }
    }
  }

  includes(address: string): boolean {
    const ip = parsed(address);
    return ip !== null && this.ranges.some(([range, bits]) => ip.kind() === range.kind() && ip.match(range, bits));
  }
}

/** An IPv4-mapped IPv6 range (::ffff:10.0.0.0/104) is the IPv4 range it maps. */
function normalizeRange([ip, bits]: [ipaddr.IPv4 | ipaddr.IPv6, number]): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(ip as ipaddr.IPv6).toIPv4Address(), bits - 96];
  return [ip, bits];
}

/** An address as ipaddr.js reads it (IPv4-mapped IPv6 as IPv4, zone dropped), or null. */
function parsed(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = address
    .trim()
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "");
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : null;
}

const cache = new WeakMap<readonly string[], TrustedProxies>();

/** The TrustedProxies of a configured list (parsed once per list). */
export function trustedProxiesOf(entries: readonly string[]): TrustedProxies {
  let trusted = cache.get(entries);
  if (!trusted) cache.set(entries, (trusted = new TrustedProxies(entries)));
  return trusted;
}

/**
 * The client's address: the peer itself unless it is a trusted proxy; behind trusted proxies, the
 * right-most X-Forwarded-For entry that is not one of them (entries further left were written by the
 * client and prove nothing). Undefined when the peer is unknown.
 */
export function clientAddress(peer: string | undefined | null, forwardedFor: string | null | undefined, trusted: TrustedProxies): string | undefined {
  const peerIp = peer ? parsed(peer) : null;
  if (!peerIp) return undefined;
  let client = peerIp.toString();
  if (!trusted.includes(client)) return client;
  const hops = (forwardedFor ?? "")
    .split(",")
    .map((hop) => hop.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parsed(hops[i]!);
    // A trusted proxy appends an address; anything else there is not one, so stop at the last good hop.
    if (!hop) break;
    client = hop.toString();
    if (!trusted.includes(client)) break;
  }
  return client;
}

/** The client address of a Request the main port's Next.js server received (see installPeerStamp). */
export function clientAddressOf(request: { headers: Headers }, trustedProxies: readonly string[]): string | undefined {
  return clientAddress(stampedPeer(request.headers), request.headers.get("x-forwarded-for"), trustedProxiesOf(trustedProxies));
}
