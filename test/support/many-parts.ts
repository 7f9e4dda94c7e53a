import { PARTS_PER_WRITE } from "@/server/feeds/answer";

/**
 * A body of many parts, as the Obot feed is (its entries and the commas between): more than two
 * batches of PARTS_PER_WRITE, each larger than what the kernel buffers for a client that does not
 * read. Which parts the server has taken is recorded, to see how far ahead of its client it
 * hands them to the socket.
 */
export function manyParts() {
  const partBytes = 64 * 1024;
  const parts = Array.from({ length: PARTS_PER_WRITE * 2 + 88 }, (_, i) => new Uint8Array(partBytes).fill(i % 251));
  let highest = -1;
  const watched = new Proxy(parts, {
    get(target, property, receiver) {
      if (typeof property === "string" && /^\d+$/.test(property)) highest = Math.max(highest, Number(property));
      return Reflect.get(target, property, receiver);
    },
  });
  return {
    parts: watched as readonly Uint8Array[],
    byteLength: parts.length * partBytes,
    bytes: () => Buffer.concat(parts),
    /** The highest index taken since the last reset (-1: none). */
    highestTaken: () => highest,
    reset: () => {
      highest = -1;
    },
  };
}
