import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { manyParts } from "../../../test/support/many-parts";
import { BodyParts } from "../snapshot/encoded-body";
import { jsonAnswer, PARTS_PER_WRITE, type Answer } from "./answer";
import { PollServer, pollParser, type MachineHandler, type PollServerOptions } from "./poll-server";

const BIG = new Uint8Array(8 * 2 ** 20).fill(120);
let bigAnswers = 0;
const released: string[] = [];

const MANY = manyParts();
const PARTS_LENGTH = MANY.byteLength;

/** Answers by path: what it read of the request, a late answer, a big body, failures. */
const handler: MachineHandler = (request) => {
  const url = new URL(request.url, "http://x");
  switch (url.pathname) {
    case "/echo":
      return jsonAnswer(200, {
        method: request.method,
        url: request.url,
        a: request.header("x-a"),
        authorization: request.header("authorization"),
        remote: request.remoteAddr,
      });
    case "/late":
      return new Promise<Answer>((resolve) =>
        setTimeout(() => resolve(jsonAnswer(200, { late: url.searchParams.get("n") })), Number(url.searchParams.get("ms"))),
      );
    case "/big":
      bigAnswers += 1;
      return { status: 200, headers: { "Content-Type": "application/octet-stream", "Content-Length": String(BIG.length) }, body: BIG };
    case "/parts":
      return {
        status: 200,
        headers: { "Content-Type": "application/octet-stream", "Content-Length": String(PARTS_LENGTH) },
        body: new BodyParts(MANY.parts, PARTS_LENGTH),
        release: () => released.push("parts"),
      };
    case "/not-modified":
      return { status: 304, headers: { ETag: '"e"' }, body: null };
    case "/throws":
      throw new Error("boom");
    case "/rejects":
      return Promise.reject(new Error("boom"));
    case "/lent": {
      // A body whose buffer is lent: released once written, or once it never will be.
      const answer = {
        status: 200,
        headers: { "Content-Length": "5" },
        body: new TextEncoder().encode("hello"),
        release: () => released.push(url.searchParams.get("n")!),
      };
      const ms = Number(url.searchParams.get("ms") ?? 0);
      return ms ? new Promise<Answer>((resolve) => setTimeout(() => resolve(answer), ms)) : answer;
    }
    case "/split":
      return { status: 200, headers: { "X-Split": "a\r\nSet-Cookie: evil=1" }, body: null };
  }
  return jsonAnswer(404, { error: "none" });
};

const servers: PollServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function start(options: Partial<PollServerOptions> = {}): Promise<number> {
  const parser = pollParser();
  if (!parser) throw new Error("this Node does not offer its HTTP parser: the poll server cannot run");
  const server = new PollServer(
    handler,
    {
      clientAddress: (socket, forwardedFor) => (forwardedFor ? `${socket.remoteAddress} via ${forwardedFor}` : (socket.remoteAddress ?? null)),
      internalError: () => jsonAnswer(500, { error: "internal" }),
      ...options,
    },
    parser,
  );
  servers.push(await server.listen(0, "127.0.0.1"));
  return (server.address() as AddressInfo).port;
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Splits raw HTTP/1.1 responses (Content-Length framed; none for 304 and HEAD answers). */
function parseResponses(raw: Buffer, heads: boolean[] = []): Parsed[] {
  const out: Parsed[] = [];
  let at = 0;
  while (at < raw.length) {
    const end = raw.indexOf("\r\n\r\n", at);
    if (end === -1) throw new Error(`incomplete head: ${raw.subarray(at).toString("latin1")}`);
    const lines = raw.subarray(at, end).toString("latin1").split("\r\n");
    const status = Number(lines[0]!.split(" ")[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = heads[out.length] || status === 304 ? 0 : Number(headers["content-length"] ?? 0);
    out.push({ status, headers, body: raw.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return out;
}

/** Sends `chunks` (with `pauseMs` between them) on one connection and collects all it receives until the server closes it or `waitMs` passes. */
function exchange(port: number, chunks: (string | Buffer)[], { waitMs = 2000, pauseMs = 0, end = false } = {}) {
  return new Promise<{ raw: Buffer; closedByServer: boolean }>((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    let closedByServer = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ raw: Buffer.concat(received), closedByServer });
    }, waitMs);
    socket.on("data", (data) => received.push(data));
    socket.on("end", () => {
      closedByServer = true;
      clearTimeout(timer);
      socket.end();
      resolve({ raw: Buffer.concat(received), closedByServer });
    });
    socket.on("error", reject);
    socket.on("connect", async () => {
      for (const chunk of chunks) {
        socket.write(chunk);
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
      if (end) socket.end();
    });
  });
}

/** A client that sends `requests` and reads nothing of the answers (until resumed); the lent bodies and parts taken so far forgotten. */
async function askWithoutReading(port: number, requests: string): Promise<net.Socket> {
  released.length = 0;
  MANY.reset();
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.pause();
  socket.write(requests);
  return socket;
}

/** Resumes a paused client and reads its answers until more than `bytes` came and the last is /echo's; then hangs up. */
async function readThroughEcho(socket: net.Socket, bytes: number): Promise<Parsed[]> {
  const received: Buffer[] = [];
  socket.on("data", (data) => received.push(data));
  socket.resume();
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      const total = received.reduce((sum, chunk) => sum + chunk.length, 0);
      if (total > bytes && Buffer.concat(received).subarray(-200).toString().includes('"/echo"')) {
        clearInterval(check);
        resolve();
      }
    }, 20);
  });
  socket.destroy();
  return parseResponses(Buffer.concat(received));
}

const GET = (path: string, headers = "") => `GET ${path} HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;

describe("poll server", () => {
  it("is what runs on this Node", () => {
    expect(pollParser()).not.toBeNull();
  });

  it("answers node:http clients on kept-alive connections, with Date, Content-Length and keep-alive", async () => {
    const port = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 3; i++) {
      const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
        const request = http.get({ port, host: "127.0.0.1", path: `/echo?i=${i}`, agent, headers: { "X-A": "one" } }, (response) => {
          sockets.add(response.socket);
          let body = "";
          response.on("data", (chunk: Buffer) => (body += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body }));
        });
        request.on("error", reject);
      });
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ method: "GET", url: `/echo?i=${i}`, a: "one", authorization: null, remote: "127.0.0.1" });
      expect(Number(answer.headers["content-length"])).toBe(Buffer.byteLength(answer.body));
      expect(new Date(answer.headers.date!).getTime()).toBeGreaterThan(Date.now() - 5_000);
      expect(answer.headers.connection).toBe("keep-alive");
    }
    expect(sockets.size).toBe(1);
    agent.destroy();
    const viaFetch = await fetch(`http://127.0.0.1:${port}/echo`, { headers: { "X-Forwarded-For": "10.0.0.9" } });
    expect((await viaFetch.json()).remote).toBe("127.0.0.1 via 10.0.0.9");
  });

  it("answers pipelined requests in their order, however late each answer is made", async () => {
    const port = await start();
    const { raw } = await exchange(port, [GET("/late?ms=80&n=1") + GET("/echo") + GET("/late?ms=5&n=3") + GET("/not-modified") + GET("/rejects")], {
      waitMs: 600,
    });
    const answers = parseResponses(raw);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 304, 500]);
    expect(JSON.parse(answers[0]!.body.toString()).late).toBe("1");
    expect(JSON.parse(answers[1]!.body.toString()).url).toBe("/echo");
    expect(JSON.parse(answers[2]!.body.toString()).late).toBe("3");
    expect(answers[3]!.headers["content-length"]).toBeUndefined();
  });

  it("reads header fields as node:http does: repeats joined, Authorization's first kept, names in any case", async () => {
    const port = await start();
    const { raw } = await exchange(port, [GET("/echo", "x-a: 1\r\nX-A: 2\r\nAuthorization: Bearer first\r\nauthorization: Bearer second\r\n")], {
      waitMs: 300,
    });
    expect(JSON.parse(parseResponses(raw)[0]!.body.toString())).toMatchObject({ a: "1, 2", authorization: "Bearer first" });
  });

  it("reads a head that arrives a few bytes at a time", async () => {
    const port = await start();
    const request = GET("/echo", `X-A: ${"v".repeat(3000)}\r\n${Array.from({ length: 40 }, (_, i) => `X-${i}: ${i}\r\n`).join("")}`);
    const chunks = request.match(/[\s\S]{1,7}/g)!.map((piece) => Buffer.from(piece));
    const { raw } = await exchange(port, chunks, { waitMs: 1500, pauseMs: 0 });
    expect(JSON.parse(parseResponses(raw)[0]!.body.toString()).a).toBe("v".repeat(3000));
  });

  it("answers HEAD without a body and with the length a GET would have", async () => {
    const port = await start();
    const { raw } = await exchange(port, [`HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n` + GET("/echo")], { waitMs: 500 });
    const [head, next] = parseResponses(raw, [true]);
    expect(head!.status).toBe(200);
    expect(Number(head!.headers["content-length"])).toBe(BIG.length);
    expect(head!.body.length).toBe(0);
    expect(next!.status).toBe(200);
  });

  it("ends the connection after an HTTP/1.0 request or one that asks to close, answering nothing after it", async () => {
    const port = await start();
    const old = await exchange(port, ["GET /echo HTTP/1.0\r\n\r\n"]); // HTTP/1.0 needs no Host
    expect(old.closedByServer).toBe(true);
    expect(parseResponses(old.raw)[0]!.headers.connection).toBe("close");
    const kept = await exchange(port, ["GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"], { waitMs: 300 });
    expect(kept.closedByServer).toBe(false);
    expect(parseResponses(kept.raw)[0]!.headers.connection).toBe("keep-alive");
    const closing = await exchange(port, [GET("/late?ms=30&n=1", "Connection: close\r\n") + GET("/echo")]);
    expect(closing.closedByServer).toBe(true);
    expect(parseResponses(closing.raw).map((a) => a.status)).toEqual([200]);
  });

  it("answers what it cannot parse with 400, an oversized head with 431, and ends the connection", async () => {
    const port = await start();
    const garbage = await exchange(port, [GET("/echo") + "NOT HTTP AT ALL\r\n\r\n"]);
    expect(garbage.closedByServer).toBe(true);
    expect(parseResponses(garbage.raw).map((a) => a.status)).toEqual([200, 400]);
    const smuggled = await exchange(port, ["GET /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"]);
    expect(parseResponses(smuggled.raw).map((a) => a.status)).toEqual([400]);
    const folded = await exchange(port, ["GET /echo HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n"]);
    expect(parseResponses(folded.raw).map((a) => a.status)).toEqual([400]);
    const hostless = await exchange(port, ["GET /echo HTTP/1.1\r\nX-A: 1\r\n\r\n"]);
    expect(parseResponses(hostless.raw).map((a) => a.status)).toEqual([400]);
    const upgrade = await exchange(port, [GET("/echo", "Connection: Upgrade\r\nUpgrade: websocket\r\n") + GET("/echo")]);
    expect(upgrade.closedByServer).toBe(true);
    expect(parseResponses(upgrade.raw).map((a) => [a.status, a.headers.connection])).toEqual([[200, "close"]]);
    const waiting = await exchange(port, ["POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"]);
    expect(waiting.closedByServer).toBe(true);
    expect(parseResponses(waiting.raw).map((a) => [a.status, a.headers.connection])).toEqual([[200, "close"]]);
    const huge = await exchange(port, [GET("/echo", `X-A: ${"v".repeat(20_000)}\r\n`)]);
    expect(huge.closedByServer).toBe(true);
    expect(parseResponses(huge.raw).map((a) => a.status)).toEqual([431]);
  });

  it("skips request bodies, sized or chunked, and keeps the connection", async () => {
    const port = await start();
    const { raw, closedByServer } = await exchange(
      port,
      [
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nGET /x HTTP",
        "GET /echo?chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        GET("/echo?last"),
      ],
      { waitMs: 400, pauseMs: 20 },
    );
    expect(closedByServer).toBe(false);
    expect(parseResponses(raw).map((a) => JSON.parse(a.body.toString()).url)).toEqual(["/echo", "/echo?chunked", "/echo?last"]);
  });

  it("answers a handler's failure with its internal error, and never writes a header value with a line break", async () => {
    const port = await start();
    const { raw } = await exchange(port, [GET("/throws") + GET("/split") + GET("/echo")], { waitMs: 400 });
    const answers = parseResponses(raw);
    expect(answers.map((a) => a.status)).toEqual([500, 500, 200]);
    expect(raw.toString("latin1")).not.toContain("evil");
  });

  it("writes big bodies whole, one after the other, to a client that reads slowly", async () => {
    const port = await start();
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(GET("/big") + GET("/big") + GET("/echo"));
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const answers = await readThroughEcho(socket, 2 * BIG.length);
    expect(answers.map((a) => [a.status, a.body.length])).toEqual([
      [200, BIG.length],
      [200, BIG.length],
      [200, answers[2]!.body.length],
    ]);
    expect(answers[0]!.body.every((byte) => byte === 120)).toBe(true);
  });

  it("hands a body of many parts to the socket a batch at a time, whole and in order, then the answers pipelined after it", async () => {
    const socket = await askWithoutReading(await start(), GET("/parts") + GET("/echo"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The client reads nothing: one batch is with the socket, the rest waits for it to be sent.
    expect(MANY.highestTaken()).toBe(PARTS_PER_WRITE - 1);
    const answers = await readThroughEcho(socket, PARTS_LENGTH);
    expect(answers.map((a) => [a.status, a.body.length])).toEqual([
      [200, PARTS_LENGTH],
      [200, answers[1]!.body.length],
    ]);
    expect(answers[0]!.body.equals(MANY.bytes())).toBe(true);
    expect(JSON.parse(answers[1]!.body.toString()).url).toBe("/echo");
    expect(released).toEqual(["parts"]);
  });

  it("sends a body of many parts whole to a client that half-closed after asking, then closes", async () => {
    const port = await start();
    const { raw, closedByServer } = await exchange(port, [GET("/parts")], { end: true, waitMs: 5000 });
    expect(closedByServer).toBe(true);
    const answers = parseResponses(raw);
    expect(answers.map((a) => [a.status, a.body.length])).toEqual([[200, PARTS_LENGTH]]);
  });

  it("stops writing a body of many parts when its client is gone, and releases it once", async () => {
    const socket = await askWithoutReading(await start(), GET("/parts"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.resetAndDestroy();
    await expect.poll(() => released).toEqual(["parts"]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(released).toEqual(["parts"]);
    expect(MANY.highestTaken()).toBeLessThan(2 * PARTS_PER_WRITE);
  });

  it("stops reading a client's requests while it does not read its answers", async () => {
    const port = await start();
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.pause();
    bigAnswers = 0;
    for (let i = 0; i < 5; i++) {
      socket.write(GET("/big"));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(bigAnswers).toBe(1);
    let received = 0;
    socket.on("data", (data: Buffer) => (received += data.length));
    socket.resume();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (received >= 5 * BIG.length) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    expect(bigAnswers).toBe(5);
    socket.destroy();
  });

  it("answers a client that stops sending mid-head with 408 once the headers timeout passes", async () => {
    const port = await start({ headersTimeoutMs: 150 });
    const { raw, closedByServer } = await exchange(port, ["GET /echo HTTP/1.1\r\nHost: x\r\nX-A: 1"], { waitMs: 2000 });
    expect(closedByServer).toBe(true);
    expect(parseResponses(raw).map((a) => a.status)).toEqual([408]);
  });

  it("closes a connection idle for the keep-alive timeout, not one waiting for its answer", async () => {
    const port = await start({ keepAliveTimeoutMs: 150 });
    const idle = await exchange(port, [GET("/echo")], { waitMs: 2000 });
    expect(idle.closedByServer).toBe(true);
    expect(parseResponses(idle.raw)).toHaveLength(1);
    const waiting = await exchange(port, [GET("/late?ms=400&n=1")], { waitMs: 2000 });
    expect(parseResponses(waiting.raw).map((a) => a.status)).toEqual([200]);
  });

  it("answers everything a client sent before it half-closed, then closes", async () => {
    const port = await start();
    const { raw, closedByServer } = await exchange(port, [GET("/late?ms=50&n=1") + GET("/echo")], { end: true });
    expect(closedByServer).toBe(true);
    expect(parseResponses(raw).map((a) => a.status)).toEqual([200, 200]);
  });

  it("releases a lent body once it is written, and once it never will be, exactly once", async () => {
    const port = await start();
    released.length = 0;
    const { raw } = await exchange(port, ["GET /lent?n=a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /lent?n=b HTTP/1.1\r\nHost: x\r\n\r\n"], { waitMs: 300 });
    const answers = parseResponses(raw, [false, true]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(answers[0]!.body.toString()).toBe("hello");
    await expect.poll(() => [...released].sort()).toEqual(["a", "b"]);
    // The client is gone before its answer is made, and before the answer queued behind it.
    const socket = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write("GET /lent?n=c&ms=100 HTTP/1.1\r\nHost: x\r\n\r\nGET /lent?n=d HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 30));
    // A reset, not an orderly close: the server's socket is destroyed with both answers unwritten.
    socket.resetAndDestroy();
    await expect.poll(() => [...released].sort()).toEqual(["a", "b", "c", "d"]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(released).toHaveLength(4);
  });

  it("on close, ends idle connections at once and busy ones after their answers", async () => {
    const port = await start();
    const server = servers[0]!;
    const idle = exchange(port, [GET("/echo")], { waitMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = exchange(port, [GET("/late?ms=300&n=1")], { waitMs: 3000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = new Promise((resolve) => server.close(resolve));
    const [idleResult, busyResult] = await Promise.all([idle, busy]);
    await closed;
    expect(idleResult.closedByServer).toBe(true);
    expect(busyResult.closedByServer).toBe(true);
    const busyAnswers = parseResponses(busyResult.raw);
    expect(busyAnswers.map((a) => a.status)).toEqual([200]);
    expect(busyAnswers[0]!.headers.connection).toBe("close");
  });
});
