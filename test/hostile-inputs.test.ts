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

void http;
void ({} as AddressInfo);
