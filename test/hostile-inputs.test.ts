/**
 * Hostile input against the routes added since the state document, tool governance and the batch
 * routes: each is answered with a clear 4xx (or the right answer), never a 500, never a partial
 * write, never a way around a role. On both databases, through the real REST handler.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { beforeAll, describe, expect, it } from "vitest";
import { apiTokenCreateInput, createApiToken } from "@/server/auth/tokens";
import { createUser, userCreateInput } from "@/server/auth/users";
import type { Role } from "@/server/auth/roles";
import { dispatchRest } from "@/server/rest";
import { createTrpcContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";
import { errorResponse } from "@/server/rest/http";
import { buildManifest } from "@/server/tools/digest";
import type { Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { ALICE, principalFor, restClient, testServices } from "./support/services";

const S = "/api/v1/mcp-servers";
const nestedObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const yaml = { "content-type": "application/yaml" };

/** Every 5xx is a defect here: the message says which request got it. */
function expect4xx(answer: { status: number; body: any }, what: string, status?: number) {
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what}: ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBeLessThan(500);
  if (status !== undefined) expect(answer.status, `${what}: ${JSON.stringify(answer.body)?.slice(0, 300)}`).toBe(status);
  expect(typeof answer.body?.error?.message, what).toBe("string");
}

describeEachDatabase("Hostile input gets a 4xx", (database) => {
  let services: Services;
  let rest: ReturnType<typeof restClient>;
  const tokens = {} as Record<Role, string>;
  const as = (role: Role) => restClient(services, undefined, { authorization: `Bearer ${tokens[role]}` });

  beforeAll(async () => {
    services = await testServices(database());
    rest = restClient(services);
    for (const role of ["viewer", "editor", "admin"] as const) {
      const user = await createUser(services.db, ALICE, userCreateInput.parse({ email: `${role}@hostile.test`, role, password: "correct horse battery" }));
      const issued = await createApiToken(services.db, ALICE, principalFor(role, user.email, user.id), apiTokenCreateInput.parse({ name: "hostile", role }));
      tokens[role] = issued.token;
    }
    expect((await rest("POST", S, { name: "target", displayName: "Target" })).status).toBe(201);
    expect((await rest("POST", "/api/v1/tenants", { name: "acme" })).status).toBe(201);
  });

  async function stateNow() {
    const answer = await rest("GET", "/api/v1/state");
    expect(answer.status).toBe(200);
    return answer.body;
  }

  describe("tool governance", () => {
    const tool = (name: string, over: Record<string, unknown> = {}) => ({ name, description: `Tool ${name}`, inputSchema: { type: "object" }, ...over });
    const upload = (server: string, body: unknown, caller = rest) => caller("POST", `${S}/${server}/tools/upload`, body);

    it("answers 4xx to tool lists of the wrong shape, duplicate names, too many tools and nesting thousands deep", async () => {
      const bodies: [string, unknown][] = [
        ["null", "null"],
        ["a number", "1"],
        ["tools not a list", { tools: "x" }],
        ["non-object tools", [1, "x", null, []]],
        ["nameless tool", [{ description: "x" }]],
        ["empty name", [tool("")]],
        ["name a number", [{ name: 5 }]],
        ["inputSchema a string", [tool("a", { inputSchema: "object" })]],
        ["duplicate names", [tool("same"), tool("same", { description: "other" })]],
        ["1001 tools", Array.from({ length: 1001 }, (_, i) => tool(`t${i}`))],
        ["deep inputSchema", `[{"name":"deep","inputSchema":${nestedObject(5000)}}]`],
        ["NUL in a name", [tool("a\u0000b")]],
        ["NUL in a description", [tool("nul", { description: "x\u0000y" })]],
        ["NUL in a key", `[{"name":"k","inputSchema":{"type":"object","properties":{"a\\u0000":{}}}}]`],
        ["infinite number", '[{"name":"big","inputSchema":{"maximum":1e999}}]'],
      ];
      const answers = [];
      for (const [what, body] of bodies) {
        const answer = await upload("target", body);
        answers.push({ what, status: answer.status, hasMessage: typeof answer.body?.error?.message === "string" });
      }
      expect(answers.filter((a) => a.status < 400 || a.status >= 500 || !a.hasMessage)).toEqual([]);
      expect((await rest("GET", `${S}/target/tools`)).body.latest).toBeNull();
    });

    it("refuses a probed tool with a number JSON cannot write (422), as an uploaded one (400)", () => {
      expect(() => buildManifest([{ name: "big", inputSchema: { maximum: Infinity } }], "probe", "test")).toThrow(/tool 'big' cannot be digested/);
    });

    it("takes odd but valid tools: unicode names, _meta (not digested), huge-but-capped lists", async () => {
      const first = await upload("target", { tools: [tool("ünïcødé_🛠"), tool("meta", { _meta: { a: 1 } })] });
      expect(first.status).toBe(200);
      const again = await upload("target", { tools: [tool("meta", { _meta: { other: true } }), tool("ünïcødé_🛠")] });
      expect(again.status).toBe(200);
      expect(again.body.digest).toBe(first.body.digest);
      expect(
        (
          await upload(
            "target",
            Array.from({ length: 1000 }, (_, i) => tool(`t${i}`)),
          )
        ).status,
      ).toBe(200);
    });

    it("answers 404 or 400 to odd server names in the path, never 500", async () => {
      for (const name of ["%E0%A4%A", "%00", "no-such-server", "..%2F..%2Fetc", "%C0%AE", encodeURIComponent("ünï"), "x".repeat(5000)]) {
        for (const [method, path, body] of [
          ["POST", `${S}/${name}/tools/upload`, [tool("a")]],
          ["POST", `${S}/${name}/tools/discover`, undefined],
          ["GET", `${S}/${name}/tools`, undefined],
          ["PUT", `${S}/${name}/tools/settings`, { onToolDrift: "suspend-server" }],
          ["PATCH", `${S}/${name}/tools/probe-headers`, { headers: { "x-key": "v" } }],
          ["POST", `/api/v1/review/tool-drift/${name}/approve`, undefined],
          ["POST", `/api/v1/review/tool-drift/${name}/reject`, { reason: "no" }],
        ] as const) {
          expect4xx(await rest(method, path, body), `${method} ${path.slice(0, 80)}`);
        }
      }
    });

    it("refuses probe header values a request cannot carry, and two spellings of one name, when they are set", async () => {
      const patch = (headers: Record<string, unknown>) => rest("PATCH", `${S}/target/tools/probe-headers`, { headers });
      for (const headers of [
        { "x-key": "caf\u00e9 \u20ac" },
        { "x-key": "bell\u0007" },
        { "x-key": "del\u007f" },
        { "x-key": "line\nbreak" },
        { "X-Key": "a", "x-key": "b" },
        { "X-Key": "a", "x-KEY": null },
        { "bad name": "v" },
        { "": "v" },
        { "x-key": 5 },
        { host: "evil.example.com" },
        { "x-key": "x".repeat(9000) },
      ]) {
        const answer = await patch(headers);
        expect4xx(answer, JSON.stringify(headers).slice(0, 60), 422);
      }
      expect((await rest("GET", `${S}/target/tools`)).body.probe.headers).toEqual([]);
      const fine = await patch({ Authorization: "Bearer abc.def", "X-Tab": "a\tb" });
      expect(fine.status).toBe(200);
      expect(fine.body.headers).toEqual(["Authorization", "X-Tab"]);
      expect4xx(await as("editor")("PATCH", `${S}/target/tools/probe-headers`, { headers: { "x-key": "v" } }), "editor sets probe headers", 403);
    });

    it("keeps tool drift for an admin when an editor disables and re-publishes the server", async () => {
      await rest("POST", S, { name: "pinned", displayName: "Pinned", runtime: { type: "npx", package: "@acme/tool@1.2.3", args: [] } });
      expect((await upload("pinned", [tool("read")])).status).toBe(200);
      const published = await as("editor")("POST", `${S}/pinned/publish`, {});
      expect(published.status, JSON.stringify(published.body)).toBe(200);
      const pinned = (await rest("GET", `${S}/pinned/tools`)).body.pinned.digest;
      expect((await upload("pinned", [tool("read"), tool("exfiltrate")], as("editor"))).status).toBe(200);
      expect((await rest("GET", "/api/v1/review/tool-drift")).body.map((d: { server: string }) => d.server)).toContain("pinned");

      expect((await as("editor")("POST", `${S}/pinned/disable`, {})).status).toBe(200);
      expect((await as("editor")("POST", `${S}/pinned/publish`, {})).status).toBe(200);
      const after = (await rest("GET", `${S}/pinned/tools`)).body;
      expect(after.pinned.digest).toBe(pinned);
      expect((await rest("GET", "/api/v1/review/tool-drift")).body.map((d: { server: string }) => d.server)).toContain("pinned");
      expect4xx(await as("editor")("POST", "/api/v1/review/tool-drift/pinned/approve", {}), "editor approves drift", 403);
      const approved = await as("admin")("POST", "/api/v1/review/tool-drift/pinned/approve", { digest: after.latest.digest });
      expect(approved.status).toBe(200);
      expect(approved.body.pinned.digest).toBe(after.latest.digest);
    });

    it("answers 4xx to review bodies of the wrong shape", async () => {
      for (const body of ["[]", '"x"', "1", '{"digest":"ABC"}', '{"digest":5}', `{"reason":"${"x".repeat(3000)}"}`]) {
        expect4xx(await rest("POST", "/api/v1/review/tool-drift/pinned/reject", body), body.slice(0, 30));
      }
      expect4xx(await rest("POST", "/api/v1/review/tool-drift/target/approve", { digest: "0".repeat(64) }), "no drift", 409);
    });

    it("never lets a probe reach loopback or private addresses however they are spelled", async () => {
      let hits = 0;
      const listener = http.createServer((_req, res) => {
        hits++;
        res.writeHead(302, { location: "http://127.0.0.1:1/" }).end();
      });
      await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
      const port = (listener.address() as AddressInfo).port;
      try {
        const spellings = [
          `http://127.0.0.1:${port}/mcp`,
          `http://2130706433:${port}/mcp`,
          `http://0177.0.0.1:${port}/mcp`,
          `http://0x7f.0.0.1:${port}/mcp`,
          `http://127.1:${port}/mcp`,
          `http://0.0.0.0:${port}/mcp`,
          `http://[::ffff:127.0.0.1]:${port}/mcp`,
          `http://[::ffff:7f00:1]:${port}/mcp`,
          `http://[::127.0.0.1]:${port}/mcp`,
          `http://[::1]:${port}/mcp`,
          `http://[64:ff9b::7f00:1]:${port}/mcp`,
          `http://localhost:${port}/mcp`,
          `http://169.254.169.254/latest/meta-data`,
        ];
        for (const [i, url] of spellings.entries()) {
          const created = await rest("POST", S, { name: `ssrf-${i}`, displayName: `SSRF ${i}`, endpoint: url });
          if (created.status !== 201) {
            expect4xx(created, url);
            continue;
          }
          const answer = await rest("POST", `${S}/ssrf-${i}/tools/discover`);
          expect(answer.status, url).toBe(503);
          expect(answer.body.error.message, url).toMatch(/refused|not fetched/);
        }
        expect(hits).toBe(0);
      } finally {
        await new Promise((resolve) => listener.close(resolve));
      }
    });
  });

  describe("batches", () => {
    it("answers 422 to empty, oversized, duplicated and mistyped batches", async () => {
      const bodies: unknown[] = [
        {},
        { action: "publish", names: [] },
        { action: "publish", names: Array.from({ length: 201 }, (_, i) => `s${i}`) },
        { action: "publish", names: ["target", "target"] },
        { action: "publish", names: [1, null] },
        { action: "publish", names: "target" },
        { action: "explode", names: ["target"] },
        { action: "delete", names: [""] },
        { action: "disable", names: ["target"], reason: "x".repeat(600) },
        "[]",
        "null",
      ];
      for (const body of bodies) expect4xx(await rest("POST", `${S}:batch`, body), `servers ${JSON.stringify(body).slice(0, 60)}`, 422);
      const reviewBodies: unknown[] = [
        { action: "release", ids: [] },
        { action: "release", ids: Array.from({ length: 201 }, (_, i) => `i${i}`) },
        { action: "reject", ids: ["a", "a"] },
        { action: "approve", ids: ["a"] },
        { action: "reject", ids: [{}] },
        "null",
      ];
      for (const body of reviewBodies) expect4xx(await rest("POST", "/api/v1/review/items:batch", body), `review ${JSON.stringify(body).slice(0, 60)}`, 422);
    });

    it("changes nothing when one server of a batch refuses, and names it", async () => {
      for (const name of ["b-one", "b-two"]) {
        expect((await rest("POST", S, { name, displayName: name, runtime: { type: "npx", package: "@acme/tool@1.2.3", args: [] } })).status).toBe(201);
      }
      for (const missing of ["no-such-server", "a\u0000b", "%E0", "../b-one", "B-ONE"]) {
        const answer = await rest("POST", `${S}:batch`, { action: "publish", names: ["b-one", "b-two", missing] });
        expect4xx(answer, `batch with ${JSON.stringify(missing)}`);
        if (!missing.includes("\u0000")) expect(answer.body.error.message).toContain("nothing was changed");
      }
      // target has no runtime: publishing it refuses, after b-one and b-two were published in the same transaction.
      const refused = await rest("POST", `${S}:batch`, { action: "publish", names: ["b-one", "b-two", "target"] });
      expect4xx(refused, "batch with an unpublishable server", 422);
      expect(refused.body.error.details.fieldErrors).toHaveProperty(["names.2"]);
      for (const name of ["b-one", "b-two"]) expect((await rest("GET", `${S}/${name}`)).body.status).toBe("draft");
      // Published together, each server is published as alone: its tools are pinned.
      expect((await rest("POST", `${S}/b-one/tools/upload`, [{ name: "read", inputSchema: { type: "object" } }])).status).toBe(200);
      expect((await as("editor")("POST", `${S}:batch`, { action: "publish", names: ["b-one", "b-two"] })).status).toBe(200);
      const tools = (await rest("GET", `${S}/b-one/tools`)).body;
      expect(tools.pinned?.digest).toBe(tools.latest.digest);
      expect(tools.drift).toBeNull();
      expect4xx(await as("viewer")("POST", `${S}:batch`, { action: "delete", names: ["b-one"] }), "viewer batch", 403);
      expect4xx(
        await as("editor")("POST", "/api/v1/review/items:batch", { action: "reject", ids: ["00000000-0000-4000-8000-000000000000"] }),
        "editor review batch",
        403,
      );
    });

    it("runs batches that cross one after the other (no deadlock, never a 500), each all or nothing", async () => {
      const names = Array.from({ length: 6 }, (_, i) => `cross-${i}`);
      for (const name of names) {
        expect((await rest("POST", S, { name, displayName: name, runtime: { type: "npx", package: "@acme/tool@1.2.3", args: [] } })).status).toBe(201);
      }
      for (let round = 0; round < 4; round++) {
        const action = round % 2 === 0 ? "publish" : "disable";
        const answers = await Promise.all([
          rest("POST", `${S}:batch`, { action, names }),
          rest("POST", `${S}:batch`, { action, names: [...names].reverse() }),
          rest("POST", `${S}:batch`, { action, names: [...names.slice(3), ...names.slice(0, 3)] }),
        ]);
        for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
        const statuses = await Promise.all(names.map(async (name) => (await rest("GET", `${S}/${name}`)).body.status));
        expect(new Set(statuses).size).toBe(1);
      }
    });

    it("answers 409 (send it again) to a deadlock or serialization failure wherever it happens", () => {
      for (const code of ["40P01", "40001"]) {
        const answer = errorResponse(Object.assign(new Error("deadlock detected"), { code }), "req-deadlock");
        expect(answer.status).toBe(409);
      }
    });

    it("answers 422 naming the item to review ids that are not ids, and to ids of no item", async () => {
      for (const id of ["not-a-uuid", "00000000-0000-4000-8000-000000000000", "'; drop table source_items; --", "a\u0000b"]) {
        const answer = await rest("POST", "/api/v1/review/items:batch", { action: "reject", ids: [id] });
        expect4xx(answer, `review id ${JSON.stringify(id)}`);
      }
      for (const id of ["not-a-uuid", "%E0", "00000000-0000-4000-8000-000000000000"]) {
        expect4xx(await rest("POST", `/api/v1/review/items/${id}/release`, {}), `release ${id}`);
        expect4xx(await rest("POST", `/api/v1/review/items/${id}/approve-update`, { version: 1 }), `approve-update ${id}`);
      }
    });
  });

  describe("POST /api/v1/sources/{name}/upload (multipart)", () => {
    const form = (boundary: string, parts: { name?: string; filename?: string; type?: string; body: string | Buffer }[]) =>
      Buffer.concat([
        ...parts.flatMap((p) => [
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${p.name ?? "file"}"${p.filename === undefined ? "" : `; filename="${p.filename}"`}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ""}\r\n`,
          ),
          Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body),
          Buffer.from("\r\n"),
        ]),
        Buffer.from(`--${boundary}--\r\n`),
      ]);
    const entry = (name: string) =>
      JSON.stringify({ name, description: "x", runtime: "remote", remoteConfig: { fixedURL: `https://${name}.example.com/mcp` } });

    async function upload(body: Buffer | string, contentType: string, source = "uploads") {
      const response = await dispatchRest(
        services,
        new Request(`http://control-plane.test/api/v1/sources/${source}/upload`, {
          method: "POST",
          headers: { authorization: `Bearer ${tokens.editor}`, "content-type": contentType },
          body: typeof body === "string" ? body : new Uint8Array(body),
        }),
      );
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as any) : null };
    }

    beforeAll(async () => {
      expect((await rest("POST", "/api/v1/sources", { name: "uploads", kind: "manual-upload" })).status).toBe(201);
      expect((await rest("POST", "/api/v1/sources/uploads/approve")).status).toBe(200);
    });

    it("answers 4xx to forms without a boundary, without files, with broken or hostile parts", async () => {
      const b = "XyZ";
      const cases: [string, Buffer | string, string][] = [
        ["no boundary", form(b, [{ filename: "a.json", body: entry("a") }]), "multipart/form-data"],
        ["wrong boundary", form(b, [{ filename: "a.json", body: entry("a") }]), "multipart/form-data; boundary=other"],
        ["empty boundary", form(b, [{ filename: "a.json", body: entry("a") }]), "multipart/form-data; boundary="],
        ["truncated", form(b, [{ filename: "a.json", body: entry("a") }]).subarray(0, 60), `multipart/form-data; boundary=${b}`],
        ["no file part", form(b, [{ body: entry("a") }]), `multipart/form-data; boundary=${b}`],
        ["empty body", "", `multipart/form-data; boundary=${b}`],
        ["non-UTF-8 file", form(b, [{ filename: "bad.yaml", body: Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a]) }]), `multipart/form-data; boundary=${b}`],
        ["deep file", form(b, [{ filename: "deep.json", body: nestedObject(5000) }]), `multipart/form-data; boundary=${b}`],
        [
          "alias bomb file",
          form(b, [
            {
              filename: "bomb.yaml",
              body: "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n",
            },
          ]),
          `multipart/form-data; boundary=${b}`,
        ],
        ["too large", form(b, [{ filename: "big.json", body: `["${"x".repeat(11 * 1024 * 1024)}"]` }]), `multipart/form-data; boundary=${b}`],
        [
          "10000 empty files",
          form(
            b,
            Array.from({ length: 10_000 }, (_, i) => ({ filename: `f${i}.json`, body: "" })),
          ),
          `multipart/form-data; boundary=${b}`,
        ],
      ];
      const answers = [];
      for (const [what, body, type] of cases) {
        const answer = await upload(body, type);
        answers.push({ what, ok: answer.status >= 400 && answer.status < 500 && typeof answer.body?.error?.message === "string", status: answer.status });
      }
      expect(answers.filter((a) => !a.ok)).toEqual([]);
      expect((await rest("GET", "/api/v1/sources/uploads/runs")).body.items ?? (await rest("GET", "/api/v1/sources/uploads/runs")).body).toEqual([]);
    });

    it("reads files whatever their names say: traversal, NUL, unicode and quotes are just names", async () => {
      const b = "b0undary";
      const answer = await upload(
        form(b, [
          { filename: "../../../../etc/passwd.json", body: entry("trav-a") },
          { filename: "..\\..\\windows\\x.json", body: entry("trav-b") },
          { filename: "ünïcødé 🛠.json", body: entry("trav-c") },
          { filename: "", type: "application/json", body: entry("trav-d") },
        ]),
        `multipart/form-data; boundary=${b}`,
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(202);
      expect4xx(
        await upload(form(b, [{ filename: "a.json", body: entry("x") }]), `multipart/form-data; boundary=${b}`, "no-such-source"),
        "unknown source",
        404,
      );
      expect4xx(await upload(form(b, [{ filename: "a.json", body: entry("x") }]), `multipart/form-data; boundary=${b}`, "%E0"), "bad escape", 400);
    });
  });

  describe("accounts, tokens and rules", () => {
    it("never lets a token create a token with more rights or a longer life than itself", async () => {
      const viewer = as("viewer");
      expect4xx(await viewer("POST", "/api/v1/api-tokens", { name: "up", role: "admin" }), "viewer mints admin", 403);
      expect4xx(await viewer("POST", "/api/v1/api-tokens", { name: "up", role: "editor" }), "viewer mints editor", 403);
      expect4xx(await as("editor")("POST", "/api/v1/api-tokens", { name: "up", role: "admin" }), "editor mints admin", 403);
      const short = await as("admin")("POST", "/api/v1/api-tokens", { name: "short", role: "admin", expiresInDays: 2 });
      expect(short.status).toBe(201);
      const shortCall = restClient(services, undefined, { authorization: `Bearer ${short.body.token}` });
      for (const expiresInDays of [null, 3, 365]) {
        expect4xx(
          await shortCall("POST", "/api/v1/api-tokens", { name: `long-${expiresInDays}`, role: "viewer", expiresInDays }),
          `outlive ${expiresInDays}`,
          422,
        );
      }
      for (const body of [
        { name: "x", role: "root" },
        { name: "x", role: "viewer", expiresInDays: 0 },
        { name: "x", role: "viewer", expiresInDays: 1e308 },
        { name: "x", role: "viewer", expiresInDays: "30" },
        { name: "", role: "viewer" },
        { name: "x".repeat(101), role: "viewer" },
        { name: "a\u0000b", role: "viewer" },
        { name: "x", role: "viewer", userId: "someone-else" },
      ]) {
        expect4xx(await as("admin")("POST", "/api/v1/api-tokens", body), `token ${JSON.stringify(body).slice(0, 60)}`);
      }
      expect4xx(await rest("POST", "/api/v1/api-tokens", { name: "boot", role: "viewer" }), "bootstrap owns no tokens", 403);
      for (const id of ["not-a-uuid", "%E0", "00000000-0000-4000-8000-000000000000"])
        expect4xx(await viewer("DELETE", `/api/v1/api-tokens/${id}`), `revoke ${id}`);
    });

    it("keeps the last active admin, and answers 4xx to odd user ids and bodies", async () => {
      const list = (await rest("GET", "/api/v1/users")).body.items as { id: string; email: string }[];
      const admin = list.find((u) => u.email === "admin@hostile.test")!;
      expect4xx(await rest("PATCH", `/api/v1/users/${admin.id}`, { role: "viewer" }), "demote last admin", 409);
      expect4xx(await rest("PATCH", `/api/v1/users/${admin.id}`, { active: false }), "deactivate last admin", 409);
      for (const id of ["not-a-uuid", "%E0", "00000000-0000-4000-8000-000000000000", "a%00b"]) {
        expect4xx(await rest("PATCH", `/api/v1/users/${id}`, { displayName: "x" }), `user ${id}`);
        expect4xx(await rest("POST", `/api/v1/users/${id}/password`, { password: "correct horse battery staple" }), `password ${id}`);
      }
      for (const body of [{ role: "root" }, { active: "no" }, { displayName: 5 }, "[]"]) {
        expect4xx(await rest("PATCH", `/api/v1/users/${admin.id}`, body), `user patch ${JSON.stringify(body)}`);
      }
      expect4xx(
        await rest("POST", "/api/v1/users", { email: "ADMIN@hostile.test", role: "admin", password: "correct horse battery" }),
        "same e-mail, other case",
        409,
      );
      expect4xx(await as("editor")("PATCH", `/api/v1/users/${admin.id}`, { role: "viewer" }), "editor demotes", 403);
    });

    it("answers 409 to a rule renamed onto another's name, and 422 to names shaped like ids", async () => {
      const one = await rest("POST", "/api/v1/grants", { name: "rule-one", subject: { type: "everyone" }, servers: "target", access: "allow" });
      const two = await rest("POST", "/api/v1/grants", { name: "rule-two", subject: { type: "everyone" }, servers: "b-one", access: "allow" });
      expect([one.status, two.status]).toEqual([201, 201]);
      expect4xx(await rest("PATCH", `/api/v1/grants/${two.body.id}`, { name: "rule-one" }), "rename collision", 409);
      expect4xx(await rest("PATCH", "/api/v1/grants/rule-two", { name: " rule-one " }), "rename collision, padded", 409);
      for (const name of [one.body.id, "Rule-Two", "", "a".repeat(64), "rule\u0000x", 5]) {
        expect4xx(await rest("PATCH", "/api/v1/grants/rule-two", { name }), `rename to ${JSON.stringify(name)}`, 422);
      }
      expect4xx(
        await rest("POST", "/api/v1/grants", { name: "rule-one", subject: { type: "everyone" }, servers: "x", access: "deny" }),
        "create collision",
        409,
      );
      expect((await rest("GET", "/api/v1/grants/rule-two")).body.name).toBe("rule-two");
    });

    it("answers 4xx to tenant tokens for odd tenants, bodies and ids", async () => {
      expect4xx(await rest("POST", "/api/v1/tenants/no-such/tokens", { name: "t" }), "unknown tenant", 404);
      expect4xx(await as("editor")("POST", "/api/v1/tenants/acme/tokens", { name: "t" }), "editor tenant token", 403);
      for (const body of [{ name: "" }, { name: "t", expiresInDays: 731 }, { name: "t", expiresInDays: -1 }, "null"]) {
        expect4xx(await rest("POST", "/api/v1/tenants/acme/tokens", body), `tenant token ${JSON.stringify(body)}`);
      }
      for (const id of ["not-a-uuid", "%E0", "00000000-0000-4000-8000-000000000000"])
        expect4xx(await rest("DELETE", `/api/v1/tenants/acme/tokens/${id}`), `tenant token ${id}`);
    });
  });

  describe("list queries", () => {
    it("answers 422 to page sizes, offsets, sorts and filters out of range, on every list", async () => {
      const queries: string[] = [
        `${S}?limit=0`,
        `${S}?limit=100000`,
        `${S}?limit=-1`,
        `${S}?limit=abc`,
        `${S}?sort=name;drop%20table%20mcp_servers`,
        `${S}?sort=__proto__`,
        `${S}?order=sideways`,
        `${S}?cursor=%7B%7D`,
        `${S}?cursor=eyJzb3J0IjoibmFtZSIsIm9yZGVyIjoiYXNjIiwidmFsdWUiOjEsIm5hbWUiOm51bGx9`,
        `${S}?status=unknown`,
        `${S}?limit=1&limit=2`,
        "/api/v1/policy/matrix?offset=-1",
        "/api/v1/policy/matrix?offset=1e400",
        "/api/v1/policy/matrix?limit=999999999",
        "/api/v1/policy/matrix?limit=1.5",
        `/api/v1/policy/matrix?q=${"x".repeat(5000)}`,
        "/api/v1/audit?limit=0",
        "/api/v1/audit?limit=100000",
        "/api/v1/audit?since=yesterday",
        "/api/v1/audit?since=2026-13-45T99:99:99Z",
        "/api/v1/audit/export?format=xlsx",
        "/api/v1/grants?access=maybe",
        "/api/v1/grants?subjectType=root",
        `/api/v1/tenants?q=${"x".repeat(5000)}`,
        "/api/v1/sources/uploads/runs/not-a-uuid?withItems=maybe",
        "/api/v1/state?stream=maybe",
      ];
      for (const query of queries) expect4xx(await rest("GET", query), query.slice(0, 80));
      for (const query of [`${S}?q=%25`, `${S}?q=_`, `${S}?q=%5C`, "/api/v1/tenants?q=%25%25", "/api/v1/policy/matrix?offset=100000"]) {
        const answer = await rest("GET", query);
        expect(answer.status, query).toBe(200);
      }
      expect((await rest("GET", `${S}?q=%25`)).body.items).toEqual([]);
    });

    /** A console query the way the route handler serves it: the fetch adapter with real authentication. */
    async function trpcQuery(path: string, input: unknown) {
      const request = new Request(`http://control-plane.test/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
        headers: { authorization: `Bearer ${tokens.viewer}` },
      });
      const response = await fetchRequestHandler({
        endpoint: "/api/trpc",
        req: request,
        router: appRouter,
        createContext: () => createTrpcContext(services, { method: request.method, headers: request.headers, url: request.url }),
      });
      return { status: response.status, body: (await response.json()) as any };
    }

    it("answers 4xx to the console's paged lists and palette search given hostile arguments", async () => {
      const cases: [string, unknown][] = [
        ["search.find", { q: "\u0000" }],
        ["search.find", { q: "" }],
        ["search.find", { q: "x".repeat(101) }],
        ["search.find", { q: "a", limit: 1e9 }],
        ["search.find", { q: "a", limit: -1 }],
        ["search.find", { q: ["a"] }],
        ["grants.page", { offset: -1 }],
        ["grants.page", { offset: 1e30 }],
        ["grants.page", { limit: 100000 }],
        ["grants.page", { sort: "name; drop table grants" }],
        ["grants.page", { order: "random()" }],
        ["tenants.page", { limit: 0 }],
        ["tenants.page", { q: "\u0000" }],
        ["tenants.page", { sort: "__proto__" }],
        ["groups.page", { offset: "abc" }],
        ["tenants.access", { name: "acme", limit: 1e6 }],
        ["tenants.access", { name: "\u0000" }],
        ["sources.runItems", { name: "uploads", runId: "not-a-uuid" }],
        ["sources.runItems", { name: "uploads", runId: "00000000-0000-4000-8000-000000000000", limit: -5 }],
      ];
      const answers = [];
      for (const [path, input] of cases) {
        const answer = await trpcQuery(path, input);
        answers.push({ path, input, status: answer.status, message: typeof answer.body?.error?.message });
      }
      expect(answers.filter((a) => a.status < 400 || a.status >= 500 || a.message !== "string")).toEqual([]);
      for (const q of ["%", "_", "\\", "ac"]) {
        const found = await trpcQuery("search.find", { q });
        expect(found.status, q).toBe(200);
        expect(
          found.body.result.data.tenants.map((t: { name: string }) => t.name),
          q,
        ).toEqual(q === "ac" ? ["acme"] : []);
      }
    });
  });

  describe("POST /api/v1/state", () => {
    it("answers 400 to YAML aliases that contain themselves, alias bombs, and JSON or YAML nested thousands deep", async () => {
      const bomb = [
        "a: &a [x, x, x, x, x, x, x, x, x]",
        ...Array.from({ length: 9 }, (_, i) => `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`),
      ].join("\n");
      const cases: [string, string, Record<string, string>][] = [
        ["self alias", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\ntenants:\n  - &t\n    name: loop\n    labels: {self: *t}\n", yaml],
        [
          "self alias in metadata",
          "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\nservers:\n  - name: loop\n    displayName: Loop\n    metadata: &m {self: *m}\n",
          yaml,
        ],
        ["alias in a stream", "---\na: &a\n  b: *a\n", yaml],
        ["alias bomb", bomb, yaml],
        ["deep JSON", `{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","tenants":[{"name":"deep","labels":${nestedObject(5000)}}]}`, {}],
        ["deep JSON array", `${"[".repeat(100_000)}${"]".repeat(100_000)}`, {}],
        ["deep YAML", `${"- ".repeat(1)}${"[".repeat(3000)}${"]".repeat(3000)}\n`, yaml],
      ];
      const answers = [];
      for (const [what, body, headers] of cases) answers.push({ what, status: (await rest("POST", "/api/v1/state", body, headers)).status });
      expect(answers).toEqual(cases.map(([what]) => ({ what, status: 400 })));
    });

    it("answers 4xx to documents of the wrong type, and names the field", async () => {
      const bodies: [string, string, Record<string, string>?][] = [
        ["null", "null"],
        ["empty array", "[]"],
        ["number", "42"],
        ["string", '"state"'],
        ["nulls", "[null, null]"],
        ["lists not lists", '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","servers":"x","tenants":{"name":"a"}}'],
        ["objects not objects", '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","tenants":[null,1,"a",[]]}'],
        ["name not a string", '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","tenants":[{"name":5},{"name":{"x":1}},{"name":null}]}'],
        ["revision a string", '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","revision":"1"}'],
        ["revision huge", '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","revision":1e300}'],
        ["revision negative", '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","revision":-1}'],
        ["revision fractional", '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","revision":1.5}'],
        ["object docs without metadata", '[{"apiVersion":"opencrane.io/v1alpha1","kind":"Tenant","metadata":null,"spec":[]}]'],
        ["metadata name not a string", '[{"apiVersion":"opencrane.io/v1alpha1","kind":"Tenant","metadata":{"name":["a"]}}]'],
        ["kind unknown", '{"apiVersion":"opencrane.io/v1alpha1","kind":"Secret"}'],
        ["kind an object", '{"apiVersion":"opencrane.io/v1alpha1","kind":{"a":1}}'],
        [
          "two headers",
          '[{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState"},{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState"}]',
        ],
        ["yaml .inf revision", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\nrevision: .inf\n", yaml],
        ["yaml duplicate keys", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\nkind: ControlPlaneState\n", yaml],
        ["yaml binary tag", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\ntenants:\n  - name: !!binary aGVsbG8=\n", yaml],
        ["yaml set and map tags", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\ntenants:\n  - name: x\n    labels: !!set {a, b}\n", yaml],
        [
          "yaml timestamp",
          "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\nrules:\n  - name: r\n    subject: {type: all}\n    servers: [target]\n    expiresAt: 2001-12-14t21:59:43.10-05:00\n",
          yaml,
        ],
        ["yaml not YAML", "apiVersion: [\n", yaml],
        ["yaml empty", "---\n---\n", yaml],
        ["text/plain", "{}", { "content-type": "text/plain" }],
        ["empty JSON", ""],
      ];
      for (const [what, body, headers] of bodies) expect4xx(await rest("POST", "/api/v1/state", body, headers ?? {}), what);
    });

    it("refuses hostile object names with 422, naming the object, and writes nothing", async () => {
      const before = await stateNow();
      for (const name of ["../../etc/passwd", "a/b", "A", "", " ", "a\u0000b", "x".repeat(10_000), "__proto__", "constructor", "ñame", "a b", "%2e%2e"]) {
        for (const list of ["servers", "tenants", "groups", "rules", "sources"]) {
          const document = {
            apiVersion: "opencrane.io/v1alpha1",
            kind: "ControlPlaneState",
            [list]: [
              {
                name,
                displayName: "X",
                subject: { type: "everyone" },
                servers: "target",
                access: "allow",
                kind: "registry",
                url: "https://registry.example.com",
              },
            ],
          };
          const answer = await rest("POST", "/api/v1/state", document);
          expect4xx(answer, `${list} named ${JSON.stringify(name.slice(0, 20))}`);
        }
      }
      const after = await stateNow();
      expect(after).toEqual(before);
    });

    it("refuses an own __proto__ key instead of dropping or obeying it", async () => {
      const answer = await rest(
        "POST",
        "/api/v1/state",
        '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","tenants":[{"name":"proto","__proto__":{"labels":{"x":"y"}}}]}',
      );
      expect4xx(answer, "__proto__ field", 422);
      expect(answer.body.error.details.fieldErrors).toHaveProperty(["tenants.proto.__proto__"]);
    });

    it("writes nothing when the last object of a document fails inside the transaction", async () => {
      const before = await stateNow();
      const document = {
        apiVersion: "opencrane.io/v1alpha1",
        kind: "ControlPlaneState",
        revision: before.revision,
        tenants: [...before.tenants, { name: "half-written" }],
        // An existing draft server cannot go back to draft from active, nor become degraded: the writer refuses it last.
        servers: before.servers.map((s: { name: string }) => (s.name === "target" ? { ...s, status: "degraded" } : s)),
      };
      const answer = await rest("POST", "/api/v1/state", document);
      expect4xx(answer, "status degraded", 422);
      expect(answer.body.error.details.fieldErrors).toHaveProperty(["servers.target.status"]);
      expect(await stateNow()).toEqual(before);
      expect((await rest("GET", "/api/v1/tenants/half-written")).status).toBe(404);
    });

    it("answers 409 to a stale document, 422 to one from the future, and applies a stale one with force", async () => {
      const exported = await stateNow();
      expect((await rest("PATCH", "/api/v1/tenants/acme", { displayName: "Acme (edited here)" })).status).toBe(200);
      const edited = {
        ...exported,
        tenants: exported.tenants.map((t: { name: string }) => (t.name === "acme" ? { ...t, displayName: "Acme (edited there)" } : t)),
      };
      const stale = await rest("POST", "/api/v1/state", edited);
      expect4xx(stale, "stale", 409);
      expect(stale.body.error.details.stale).toEqual([{ kind: "tenant", name: "acme" }]);
      expect4xx(await rest("POST", "/api/v1/state", { ...edited, revision: exported.revision + 1000 }), "future", 422);
      for (const flag of ["force=maybe", "prune=2", "dryRun=yes", "force=true&force=false"])
        expect4xx(await rest("POST", `/api/v1/state?${flag}`, edited), flag);
      const forced = await rest("POST", "/api/v1/state?force=true", edited);
      expect(forced.status).toBe(200);
      expect((await rest("GET", "/api/v1/tenants/acme")).body.displayName).toBe("Acme (edited there)");
    });

    it("publishes as the console does: the first publish pins the tools, a re-publish leaves drift to an admin", async () => {
      const npx = { type: "npx", package: "@acme/tool@1.2.3", args: [] };
      expect((await rest("POST", S, { name: "via-state", displayName: "Via state", runtime: npx })).status).toBe(201);
      expect((await rest("POST", `${S}/via-state/tools/upload`, [{ name: "read" }])).status).toBe(200);
      const setStatus = async (status: string) => {
        const document = await stateNow();
        const servers = document.servers.map((server: { name: string }) => (server.name === "via-state" ? { ...server, status } : server));
        const answer = await as("editor")("POST", "/api/v1/state", { ...document, servers });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      };
      await setStatus("active");
      const first = (await rest("GET", `${S}/via-state/tools`)).body;
      expect(first.pinned?.digest).toBe(first.latest.digest);
      await setStatus("disabled");
      expect((await as("editor")("POST", `${S}/via-state/tools/upload`, [{ name: "read" }, { name: "write" }])).status).toBe(200);
      await setStatus("active");
      const again = (await rest("GET", `${S}/via-state/tools`)).body;
      expect(again.pinned.digest).toBe(first.pinned.digest);
      expect(again.drift.added.map((t: { name: string }) => t.name)).toEqual(["write"]);
    });

    it("lets a viewer export but not apply, even as a dry run", async () => {
      expect((await as("viewer")("GET", "/api/v1/state")).status).toBe(200);
      const document = await stateNow();
      expect4xx(await as("viewer")("POST", "/api/v1/state?dryRun=true", document), "viewer dry run", 403);
      expect4xx(await as("viewer")("POST", "/api/v1/state", document), "viewer apply", 403);
    });
  });
});
