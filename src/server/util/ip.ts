/** IP address classification shared by the SSRF guard, the catalog scan and client-address resolution. */
import ipaddr from "ipaddr.js";

const COMPATIBLE = ipaddr.parseCIDR("::/96") as [ipaddr.IPv6, number];

/** The IPv4 address an ISATAP interface identifier (RFC 5214: ::0:5efe:a.b.c.d or ::200:5efe:a.b.c.d) tunnels to. */
function isatapIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 | null {
  const parts = ip.parts;
  if ((parts[4] !== 0 && parts[4] !== 0x200) || parts[5] !== 0x5efe) return null;
  return new ipaddr.IPv4([parts[6]! >> 8, parts[6]! & 0xff, parts[7]! >> 8, parts[7]! & 0xff]);
}

/**
 * The range `address` belongs to: "unicast" only for a public address. An IPv6 address that stands
 * for an IPv4 one is judged by what it reaches: IPv4-mapped addresses are the IPv4 address; the
 * deprecated IPv4-compatible ones (::a.b.c.d, e.g. ::7f00:1) are never public; translation and
 * tunnel prefixes (NAT64 64:ff9b::/96 and 64:ff9b:1::/48, SIIT, 6to4 2002::/16, Teredo) are not
 * public ranges of their own; and an ISATAP address is public only if the IPv4 address it embeds is.
 */
export function addressRange(address: string): string {
  const ip = ipaddr.process(address);
  const range = ip.range();
  if (ip.kind() === "ipv4" || range !== "unicast") return range;
  const v6 = ip as ipaddr.IPv6;
  if (v6.match(COMPATIBLE)) return "ipv4Compatible";
  const tunnelled = isatapIPv4(v6);
  if (tunnelled && tunnelled.range() !== "unicast") return `isatap (to ${tunnelled.toString()}, ${tunnelled.range()})`;
  return range;
}

/** Whether `address` (IPv4 or IPv6, in any spelling ipaddr.js reads) is a public unicast address. */
export function isPublicAddress(address: string): boolean {
  return addressRange(address) === "unicast";
}
