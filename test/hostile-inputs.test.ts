/**
 * Hostile input against the routes added since the state document, tool governance and the batch
 * routes: each is answered with a clear 4xx (or the right answer), never a 500, never a partial
 * write, never a way around a role. On both databases, through the real REST handler.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiTokenCreateInput, createApiToken } from "@/server/auth/tokens";
import { createUser, userCreateInput } from "@/server/auth/users";
import type { Role } from "@/server/auth/roles";
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
      expect((await upload("target", Array.from({ length: 1000 }, (_, i) => tool(`t${i}`)))).status).toBe(200);
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

  describe("POST /api/v1/state", () => {
    it("answers 400 to YAML aliases that contain themselves, alias bombs, and JSON or YAML nested thousands deep", async () => {
      const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, i) => `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`)].join("\n");
      const cases: [string, string, Record<string, string>][] = [
        ["self alias", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\ntenants:\n  - &t\n    name: loop\n    labels: {self: *t}\n", yaml],
        ["self alias in metadata", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\nservers:\n  - name: loop\n    displayName: Loop\n    metadata: &m {self: *m}\n", yaml],
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
        ["two headers", '[{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState"},{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState"}]'],
        ["yaml .inf revision", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\nrevision: .inf\n", yaml],
        ["yaml duplicate keys", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\nkind: ControlPlaneState\n", yaml],
        ["yaml binary tag", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\ntenants:\n  - name: !!binary aGVsbG8=\n", yaml],
        ["yaml set and map tags", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\ntenants:\n  - name: x\n    labels: !!set {a, b}\n", yaml],
        ["yaml timestamp", "apiVersion: opencrane.io/v1alpha1\nkind: ControlPlaneState\nrules:\n  - name: r\n    subject: {type: all}\n    servers: [target]\n    expiresAt: 2001-12-14t21:59:43.10-05:00\n", yaml],
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
          const document = { apiVersion: "opencrane.io/v1alpha1", kind: "ControlPlaneState", [list]: [{ name, displayName: "X", subject: { type: "all" }, servers: ["target"], kind: "registry", url: "https://registry.example.com" }] };
          const answer = await rest("POST", "/api/v1/state", document);
          expect4xx(answer, `${list} named ${JSON.stringify(name.slice(0, 20))}`);
        }
      }
      const after = await stateNow();
      expect(after).toEqual(before);
    });

    it("refuses an own __proto__ key instead of dropping or obeying it", async () => {
      const answer = await rest("POST", "/api/v1/state", '{"apiVersion":"opencrane.io/v1alpha1","kind":"ControlPlaneState","tenants":[{"name":"proto","__proto__":{"labels":{"x":"y"}}}]}');
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
      const edited = { ...exported, tenants: exported.tenants.map((t: { name: string }) => (t.name === "acme" ? { ...t, displayName: "Acme (edited there)" } : t)) };
      const stale = await rest("POST", "/api/v1/state", edited);
      expect4xx(stale, "stale", 409);
      expect(stale.body.error.details.stale).toEqual([{ kind: "tenant", name: "acme" }]);
      expect4xx(await rest("POST", "/api/v1/state", { ...edited, revision: exported.revision + 1000 }), "future", 422);
      for (const flag of ["force=maybe", "prune=2", "dryRun=yes", "force=true&force=false"]) expect4xx(await rest("POST", `/api/v1/state?${flag}`, edited), flag);
      const forced = await rest("POST", "/api/v1/state?force=true", edited);
      expect(forced.status).toBe(200);
      expect((await rest("GET", "/api/v1/tenants/acme")).body.displayName).toBe("Acme (edited there)");
    });

    it("lets a viewer export but not apply, even as a dry run", async () => {
      expect((await as("viewer")("GET", "/api/v1/state")).status).toBe(200);
      const document = await stateNow();
      expect4xx(await as("viewer")("POST", "/api/v1/state?dryRun=true", document), "viewer dry run", 403);
      expect4xx(await as("viewer")("POST", "/api/v1/state", document), "viewer apply", 403);
    });
  });
});
