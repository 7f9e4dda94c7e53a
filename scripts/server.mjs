#!/usr/bin/env node
/**
 * The production server: Next.js's standalone build behind the app's HTTP front
 * (scripts/http-front.mjs). Run it from the standalone directory, as `npm start` and the Docker
 * image do; it takes the same environment as Next's own standalone server.js (PORT, HOSTNAME,
 * KEEP_ALIVE_TIMEOUT).
 */
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { withHttpFront } from "./http-front.mjs";

const dir = process.cwd();
const serverFiles = path.join(dir, ".next", "required-server-files.json");
if (!fs.existsSync(serverFiles)) {
  console.error(`[opencrane] ${dir} is not a Next.js standalone build (no .next/required-server-files.json): run it from .next/standalone`);
  process.exit(1);
}
const { config } = JSON.parse(fs.readFileSync(serverFiles, "utf8"));
process.env.NODE_ENV = "production";
// What Next's generated standalone server.js sets: the build's configuration, not next.config.ts.
process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);

const port = parseInt(process.env.PORT ?? "", 10) || 3000;
const hostname = process.env.HOSTNAME || "0.0.0.0";
const keepAliveTimeout = parseInt(process.env.KEEP_ALIVE_TIMEOUT ?? "", 10);

// `next` as installed in the standalone directory (it carries only the files the build traced).
const next = createRequire(path.join(dir, "server.js"))("next");
const app = next({ dev: false, dir, hostname, port, conf: config });
try {
  await app.prepare();
} catch (error) {
  console.error(error);
  process.exit(1);
}
const handle = app.getRequestHandler();
/**
 * The machine feeds' fast path (src/server/app.ts sets it once the services are up; until then
 * Next.js serves them too): GET and HEAD of /api/internal/* answer as on the internal port, with
 * its precompressed bodies, instead of through Next.js, which would gzip a 10+ MB feed again for
 * every request.
 */
const machineFeeds = () => globalThis.__opencrane?.machineFeeds;
/**
 * The REST API's writes from API clients (bearer token, no cookie), likewise answered by the app
 * itself (src/server/rest/api-client-writes.ts): the same dispatcher as the route, without Next's
 * per-request machinery, which a burst of writes queues behind on the event loop.
 */
const apiClientWrites = () => globalThis.__opencrane?.apiClientWrites;
const failed = (req, res) => (error) => {
  console.error(`[opencrane] request ${req.method} ${req.url} failed:`, error);
  if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
  res.end("Internal Server Error");
};
const server = http.createServer(
  withHttpFront((req, res) => {
    const feeds = machineFeeds();
    if (feeds && (req.method === "GET" || req.method === "HEAD") && req.url?.startsWith("/api/internal/")) return feeds(req, res);
    const writes = apiClientWrites();
    if (writes?.accepts(req)) return writes.serve(req, res).catch(failed(req, res));
    return handle(req, res).catch(failed(req, res));
  }),
);
if (Number.isFinite(keepAliveTimeout) && keepAliveTimeout >= 0) server.keepAliveTimeout = keepAliveTimeout;
const upgrade = app.getUpgradeHandler?.();
if (upgrade) server.on("upgrade", (req, socket, head) => void upgrade(req, socket, head).catch(() => socket.destroy()));
server.on("error", (error) => {
  console.error(`[opencrane] cannot listen on ${hostname}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, hostname);

/**
 * The first request to a route instantiates its modules: 150–350 ms on the event loop for the
 * REST API. Make that request now, at start-up, rather than in the first admin write, which every
 * poll arriving meanwhile would wait behind. Its answer (a 503 while the services start) does not
 * matter.
 */
const WARM_UP_PATHS = ["/api/v1/openapi.json"];
server.once("listening", () => {
  const host = hostname === "0.0.0.0" || hostname === "::" ? "127.0.0.1" : hostname;
  for (const warmUpPath of WARM_UP_PATHS) {
    http
      .get({ host, port, path: warmUpPath, headers: { "User-Agent": "opencrane-warm-up" } }, (response) => response.resume())
      .on("error", (error) => console.warn(`[opencrane] warming up ${warmUpPath} failed: ${error.message}`));
  }
});
