import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { manyParts } from "../../../test/support/many-parts";
import { BodyParts } from "../snapshot/encoded-body";
import { PARTS_PER_WRITE, writeNodeResponse } from "./answer";

const MANY = manyParts();
const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A node:http server answering every request with the body of many parts (the main port's feed path). */
async function start(): Promise<number> {
  const server = http.createServer((_request, response) =>
    writeNodeResponse(response, {
      status: 200,
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(MANY.byteLength) },
      body: new BodyParts(MANY.parts, MANY.byteLength),
    }),
  );
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** A client that asks for the body and reads nothing of it (until resumed). */
async function askWithoutReading(port: number): Promise<net.Socket> {
  MANY.reset();
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.pause();
  socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  return socket;
}

describe("a body of many parts written to a node:http response", () => {
  it("goes to the socket a batch at a time, whole and in order", async () => {
    const socket = await askWithoutReading(await start());
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The client reads nothing: one batch is with the socket, the rest waits for it to be sent.
    expect(MANY.highestTaken()).toBe(PARTS_PER_WRITE - 1);
    const received: Buffer[] = [];
    socket.on("data", (data) => received.push(data));
    socket.resume();
    await expect.poll(() => received.reduce((sum, chunk) => sum + chunk.length, 0), { timeout: 5_000 }).toBeGreaterThan(MANY.byteLength);
    const raw = Buffer.concat(received);
    const bodyStart = raw.indexOf("\r\n\r\n") + 4;
    expect(raw.subarray(0, 12).toString()).toBe("HTTP/1.1 200");
    expect(raw.subarray(bodyStart).equals(MANY.bytes())).toBe(true);
    socket.destroy();
  });

  it("stops when its client is gone", async () => {
    const socket = await askWithoutReading(await start());
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(MANY.highestTaken()).toBeLessThan(2 * PARTS_PER_WRITE);
  });
});
