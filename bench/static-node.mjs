#!/usr/bin/env node
/**
 * The ceiling of Node.js itself for the benchmarks' feed comparisons: a bare node:http server that
 * serves the files under DIR/www from memory, as nginx does from disk (strong ETag, 304 on a
 * matching If-None-Match, Content-Length), with nothing else: no routing table, no auth, no
 * metrics. Measured beside nginx and the app, it shows how much of the gap to nginx is Node's own
 * HTTP stack, which no application code can remove.
 *
 *   node bench/static-node.mjs DIR PORT
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";

const [dir, port] = process.argv.slice(2);
if (!dir || !port) throw new Error("usage: node bench/static-node.mjs DIR PORT");
const root = path.join(dir, "www");
const files = new Map();
const walk = (folder) => {
  for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) walk(file);
    else {
      const bytes = fs.readFileSync(file);
      const etag = `"${createHash("sha256").update(bytes).digest("base64url").slice(0, 32)}"`;
      files.set(`/${path.relative(root, file).split(path.sep).join("/")}`, { bytes, etag, length: String(bytes.length) });
    }
  }
};
walk(root);

const server = http.createServer((request, response) => {
  const file = files.get((request.url ?? "/").split("?")[0]);
  if (!file) {
    response.writeHead(404, { "Content-Length": "0" }).end();
    return;
  }
  if (request.headers["if-none-match"] === file.etag) {
    response.writeHead(304, { ETag: file.etag, "Cache-Control": "no-cache" }).end();
    return;
  }
  response.writeHead(200, { "Content-Type": "application/json", "Content-Length": file.length, ETag: file.etag, "Cache-Control": "no-cache" }).end(file.bytes);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(port), "127.0.0.1", () => console.log(`static node serving ${files.size} files on ${port}`));
process.once("SIGTERM", () => server.close(() => process.exit(0)));
