/**
 * The tenant contract endpoint with real tokens: a key pair made here, its JWKS served on
 * loopback the way a cluster's issuer serves it, and a fake Kubernetes API for TokenReview.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { ALICE, publishRemoteServers, restClient, TEST_CONFIG, testServices } from "../../../test/support/services";
import type { Config } from "../config";
import { rowsOf } from "../db/rows";
import { createServer, publishServer, updateServer } from "../catalog/servers";
import { serverCreateInput, serverUpdateInput } from "../catalog/model";
import { createGrant, createTenant, deleteGrant } from "../policy/store";
import type { Services } from "../services";
import { contractResponse } from "./contract-route";
import { grantCreateInput, tenantCreateInput } from "@/server/policy/model";

const ISSUER = "https://kubernetes.default.svc.cluster.local";
let jwksServer: http.Server;
let jwksUrl: string;
let key: CryptoKey;
let strangerKey: CryptoKey;
let reviews: { token: string; username: string | null; audiences: string[] }[] = [];

beforeAll(async () => {
  const pair = await generateKeyPair("RS256", { extractable: true });
  key = pair.privateKey;
  ({ privateKey: strangerKey } = await generateKeyPair("RS256"));
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "cluster-key", alg: "RS256", use: "sig" };
  jwksServer = http.createServer((req, res) => {
    if (req.url === "/openid/v1/jwks") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
      return;
    }
    if (req.url === "/apis/authentication.k8s.io/v1/tokenreviews" && req.method === "POST") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const token = JSON.parse(body).spec.token as string;
        const known = reviews.find((r) => r.token === token);
        const status = known?.username
          ? { authenticated: true, user: { username: known.username }, audiences: known.audiences }
          : { authenticated: false, error: "token not recognized" };
        res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ kind: "TokenReview", status }));
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
  jwksUrl = `${base}/openid/v1/jwks`;
  process.env.TEST_KUBERNETES_API_URL = base;
});

afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

async function serviceAccountToken(
  subject: string,
  options: { audience?: string; issuer?: string; expiresIn?: string; signWith?: CryptoKey; kid?: string } = {},
) {
  return new SignJWT({ "kubernetes.io": { namespace: "tenants" } })
    .setProtectedHeader({ alg: "RS256", kid: options.kid ?? "cluster-key" })
    .setSubject(subject)
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? "control-plane")
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "1h")
    .sign(options.signWith ?? key);
}

/** A JWT with `alg: none`: header and payload, no signature. */
function unsignedToken(subject: string) {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub: subject, iss: ISSUER, aud: "control-plane", iat: now, exp: now + 3600 })}.`;
}

describeEachDatabase("tenant contract", (database) => {
  let services: Services;
  const fetchContract = (tenant: string, headers: Record<string, string> = {}) =>
    contractResponse(services, new Request(`http://cp.test/api/internal/contract/${tenant}`, { headers }), tenant);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    const config: Config = { ...TEST_CONFIG, tenantAuth: { ...TEST_CONFIG.tenantAuth, jwksUrl, issuer: ISSUER } };
    services = await testServices(database(), config);
    const db = services.db;
    for (const name of ["github", "slack"]) {
      await createServer(
        db,
        ALICE,
        serverCreateInput.parse({
          name,
          displayName: name === "github" ? "GitHub" : "Slack",
          endpoint: `https://${name}.example/mcp`,
          toolPreview: [{ name: `${name}_search` }],
        }),
      );
      await publishServer(db, ALICE, name);
    }
    await createTenant(db, ALICE, tenantCreateInput.parse({ name: "alpha", team: "payments" }));
    await createTenant(db, ALICE, tenantCreateInput.parse({ name: "beta" }));
    await createGrant(db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "alpha" }, servers: "github", access: "allow" }));
    await services.snapshots.refresh();
  });

  it("answers a valid ServiceAccount token with the tenant's contract", async () => {
    const res = await fetchContract("alpha", bearer(await serviceAccountToken("system:serviceaccount:tenants:alpha")));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const contract = await res.json();
    expect(contract).toMatchObject({
      version: "opencrane-runtime/v1alpha1",
      revision: services.snapshots.current!.revision,
      tenant: { name: "alpha", team: "payments" },
      policy: { mcpServers: { allow: ["github"], deny: [] } },
      mcp: { servers: [{ name: "github", displayName: "GitHub", transport: "streamable-http", endpoint: "https://github.example/mcp" }] },
      capabilities: { mcpPolicyEnforced: true },
    });
    expect(contract.contractVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(contract.workspace["TOOLS.md"]).toBe(
      "# MCP servers for alpha\n\nYou can use these 1 MCP server through the OpenCrane MCP gateway. Requests to any other MCP server are refused.\n\n## GitHub (`github`)\n\n- Transport: streamable-http\n- Tools: `github_search`\n",
    );
  });

  it("has a strong ETag of the body, and answers 304 when it matches", async () => {
    const token = bearer(await serviceAccountToken("system:serviceaccount:tenants:alpha"));
    const first = await fetchContract("alpha", token);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await fetchContract("alpha", { ...token, "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
  });

  it.each([
    ["no token", async () => ({})],
    ["an expired token", async () => bearer(await serviceAccountToken("system:serviceaccount:tenants:alpha", { expiresIn: "-1m" }))],
    ["the wrong audience", async () => bearer(await serviceAccountToken("system:serviceaccount:tenants:alpha", { audience: "obot-gateway" }))],
    ["the wrong issuer", async () => bearer(await serviceAccountToken("system:serviceaccount:tenants:alpha", { issuer: "https://evil.example" }))],
    ["a bad signature", async () => bearer(await serviceAccountToken("system:serviceaccount:tenants:alpha", { signWith: strangerKey }))],
    ["alg: none", async () => bearer(unsignedToken("system:serviceaccount:tenants:alpha"))],
    ["a subject that is not a ServiceAccount", async () => bearer(await serviceAccountToken("alice@example.com"))],
    ["garbage", async () => bearer("not-a-jwt")],
  ])("refuses %s with 401", async (_what, headers) => {
    const res = await fetchContract("alpha", await headers());
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain("Bearer");
    expect((await res.json()).error.code).toBe("UNAUTHORIZED");
  });

  it("refuses another tenant's valid token with 403, and an unknown tenant with 404", async () => {
    const beta = bearer(await serviceAccountToken("system:serviceaccount:tenants:beta"));
    const forbidden = await fetchContract("alpha", beta);
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.message).toBe("this token belongs to tenant 'beta', not 'alpha'");
    expect((await fetchContract("nobody", beta)).status).toBe(404);
  });

  it("records fetches of unknown tenant names under one key: junk names neither fill nor poison the fetch log", async () => {
    await services.fetches.flush();
    expect((await fetchContract("a\u0000b")).status).toBe(401);
    for (let i = 0; i < 50; i++) expect((await fetchContract(`nobody-${i}`)).status).toBe(401);
    const alpha = bearer(await serviceAccountToken("system:serviceaccount:tenants:alpha"));
    expect((await fetchContract("alpha", alpha)).status).toBe(200);
    await services.fetches.flush();
    expect((await services.fetches.latest("contract/alpha"))?.status).toBe(200);
    expect(await services.fetches.latest("contract/nobody-1")).toBeNull();
    expect((await services.fetches.latest("contract/(unknown tenant)"))?.count).toBe(51);
  });

  it("refuses a deleted tenant's token at once, even after a tenant of the same name is created again", async () => {
    const call = restClient(services);
    expect((await call("POST", "/api/v1/tenants", { name: "gamma" })).status).toBe(201);
    const issued = await call("POST", "/api/v1/tenants/gamma/tokens", { name: "old" });
    expect((await fetchContract("gamma", bearer(issued.body.token))).status).toBe(200);
    expect((await call("DELETE", "/api/v1/tenants/gamma")).status).toBe(204);
    expect((await call("POST", "/api/v1/tenants", { name: "gamma" })).status).toBe(201);
    expect((await fetchContract("gamma", bearer(issued.body.token))).status).toBe(401);
    expect((await call("DELETE", "/api/v1/tenants/gamma")).status).toBe(204);
  });

  it("accepts tenant tokens issued in the console, until they are revoked", async () => {
    const call = restClient(services);
    const issued = await call("POST", "/api/v1/tenants/beta/tokens", { name: "laptop" });
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^octt_/);
    const res = await fetchContract("beta", bearer(issued.body.token));
    expect(res.status).toBe(200);
    expect((await res.json()).policy.mcpServers).toEqual({ allow: [], deny: [], reserved: [], tools: {} });
    expect((await fetchContract("alpha", bearer(issued.body.token))).status).toBe(403);
    const list = await call("GET", "/api/v1/tenants/beta/tokens");
    expect(JSON.stringify(list.body)).not.toContain(issued.body.token);
    expect((await call("DELETE", `/api/v1/tenants/beta/tokens/${issued.body.tenantToken.id}`)).status).toBe(204);
    expect((await fetchContract("beta", bearer(issued.body.token))).status).toBe(401);
  });

  it("changes the contract when access changes, and drops a rule the moment it expires", async () => {
    const token = bearer(await serviceAccountToken("system:serviceaccount:tenants:beta"));
    const before = await fetchContract("beta", token);
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "beta" }, servers: "slack", access: "allow", expiresAt }));
    await services.snapshots.refresh();
    const granted = await fetchContract("beta", token);
    expect((await granted.json()).policy.mcpServers.allow).toEqual(["slack"]);
    expect(granted.headers.get("etag")).not.toBe(before.headers.get("etag"));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const lapsed = await fetchContract("beta", token);
    expect((await lapsed.json()).policy.mcpServers.allow).toEqual([]);
  });
});

describeEachDatabase("tenant contract revisions", (database) => {
  let services: Services;
  const fetchContract = async (from: Services, tenant: string) => {
    const issued = await restClient(from)("POST", `/api/v1/tenants/${tenant}/tokens`, { name: `probe-${Date.now()}` });
    const response = await contractResponse(
      from,
      new Request(`http://cp.test/api/internal/contract/${tenant}`, { headers: { authorization: `Bearer ${issued.body.token}` } }),
      tenant,
    );
    expect(response.status).toBe(200);
    return { etag: response.headers.get("etag"), contract: await response.json() };
  };

  beforeAll(async () => {
    services = await testServices(database());
    await publishRemoteServers(services.db, ["github", "slack"]);
    await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "alpha" }));
    await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "beta" }));
    await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "alpha" }, servers: "github", access: "allow" }));
    await services.snapshots.refresh();
  });

  it("keeps a contract's revision and ETag through writes that do not change it, and moves them when it changes", async () => {
    const before = await fetchContract(services, "alpha");
    const betaBefore = await fetchContract(services, "beta");
    expect(before.contract.revision).toBeLessThanOrEqual(services.snapshots.current!.revision);
    await createServer(services.db, ALICE, serverCreateInput.parse({ name: "draft-only", displayName: "Draft only", endpoint: "https://draft.example/mcp" }));
    await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "beta" }, servers: "slack", access: "allow" }));
    await services.snapshots.refresh();
    // The unchanged contract's rendered body serves the new snapshot too, not rendered again.
    const misses = services.contractBodies.misses;
    const alphaState = services.snapshots.current!.contractStates.get("alpha")!;
    const betaState = services.snapshots.current!.contractStates.get("beta")!;
    expect(services.contractBodies.get("alpha", alphaState.fingerprint, alphaState.revision)).toBeDefined();
    expect(services.contractBodies.get("beta", betaState.fingerprint, betaState.revision)).toBeUndefined();
    expect(services.contractBodies.misses).toBe(misses + 1);
    const unrelated = await fetchContract(services, "alpha");
    expect(services.snapshots.current!.revision).toBeGreaterThan(before.contract.revision);
    expect(unrelated).toEqual(before);
    const beta = await fetchContract(services, "beta");
    expect(beta.contract.revision).toBe(services.snapshots.current!.revision);
    expect(beta.etag).not.toBe(betaBefore.etag);

    await updateServer(services.db, ALICE, "github", serverUpdateInput.parse({ version: 2, displayName: "GitHub Enterprise", confirmRename: true }));
    await services.snapshots.refresh();
    const renamed = await fetchContract(services, "alpha");
    expect(renamed.contract.revision).toBe(services.snapshots.current!.revision);
    expect(renamed.etag).not.toBe(before.etag);
    expect((await fetchContract(services, "beta")).etag).toBe(beta.etag);
  });

  it("is the same on a replica that starts later, even after the contract changed back", async () => {
    await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "alpha" }, servers: "slack", access: "deny" }));
    await services.snapshots.refresh();
    const denied = await fetchContract(services, "alpha");
    const grant = await createGrant(
      services.db,
      ALICE,
      grantCreateInput.parse({ subject: { type: "tenant", name: "alpha" }, servers: "slack", access: "allow", note: "temporary" }),
    );
    await services.snapshots.refresh();
    await deleteGrant(services.db, ALICE, grant.id);
    await services.snapshots.refresh();
    const replica = await testServices(database());
    try {
      for (const tenant of ["alpha", "beta"]) {
        expect(await fetchContract(replica, tenant)).toEqual(await fetchContract(services, tenant));
      }
      expect((await fetchContract(replica, "alpha")).contract.policy).toEqual(denied.contract.policy);
    } finally {
      await replica.close().catch(() => undefined);
    }
  });
  it("a server edit no contract shows (its long description) moves no contract and names no tenant as changed", async () => {
    const before = await fetchContract(services, "alpha");
    const { version } = rowsOf(await services.db.execute(sql`select version from mcp_servers where name = 'github'`))[0]!;
    const published: (readonly string[] | null)[] = [];
    const stop = services.snapshots.onPublished((_, changed) => published.push(changed));
    try {
      await updateServer(services.db, ALICE, "github", serverUpdateInput.parse({ version: Number(version), description: "A longer description, for people." }));
      await services.snapshots.refresh();
    } finally {
      stop();
    }
    expect(published).toEqual([[]]);
    expect(await fetchContract(services, "alpha")).toEqual(before);
  });

  it("settles a change to a server once for every tenant allowed it, and a replica that skipped the revisions in between serves the same", async () => {
    await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "gamma" }));
    await createGrant(services.db, ALICE, grantCreateInput.parse({ subject: { type: "tenant", name: "gamma" }, servers: "github", access: "allow" }));
    await services.snapshots.refresh();
    const replica = await testServices(database());
    try {
      await replica.snapshots.refresh();
      const tenants = ["alpha", "beta", "gamma"];
      const before = Object.fromEntries(await Promise.all(tenants.map(async (t) => [t, await fetchContract(services, t)] as const)));
      const ownRows = async () =>
        rowsOf(await services.db.execute(sql`select tenant, fingerprint, revision::text as revision from contract_revisions order by tenant`));
      const ownBefore = await ownRows();
      const github = async () => rowsOf(await services.db.execute(sql`select version, display_name from mcp_servers where name = 'github'`))[0]!;
      const { version, display_name: displayName } = await github();

      await updateServer(services.db, ALICE, "github", serverUpdateInput.parse({ version: Number(version), displayName: "GitHub Cloud", confirmRename: true }));
      await services.snapshots.refresh();
      const changedAt = services.snapshots.current!.revision;
      for (const tenant of ["alpha", "gamma"]) {
        const after = await fetchContract(services, tenant);
        expect(after.contract.revision).toBe(changedAt);
        expect(after.etag).not.toBe(before[tenant]!.etag);
        expect(after.contract.mcp.servers.map((s: { displayName: string }) => s.displayName)).toContain("GitHub Cloud");
      }
      expect(await fetchContract(services, "beta")).toEqual(before.beta);
      // One row for the server; none rewritten for the tenants allowed it.
      expect(await ownRows()).toEqual(ownBefore);
      const parts = rowsOf(
        await services.db.execute(sql`select fingerprint, revision::text as revision from contract_server_revisions where server = 'github'`),
      );
      expect(parts.map((row) => Number(row.revision))).toEqual([changedAt]);

      // Back as it was: the bodies are the earlier ones but for their revision, which moves again.
      await updateServer(
        services.db,
        ALICE,
        "github",
        serverUpdateInput.parse({ version: Number(version) + 1, displayName: String(displayName), confirmRename: true }),
      );
      await services.snapshots.refresh();
      const back = await fetchContract(services, "alpha");
      expect(back.contract.revision).toBe(services.snapshots.current!.revision);
      expect({ ...back.contract, revision: 0, contractVersion: "" }).toEqual({ ...before.alpha!.contract, revision: 0, contractVersion: "" });
      // The replica saw neither change: its github is as it was, but a replica stored it at a newer revision.
      await replica.snapshots.refresh();
      for (const tenant of tenants) expect(await fetchContract(replica, tenant)).toEqual(await fetchContract(services, tenant));
    } finally {
      await replica.close().catch(() => undefined);
    }
  });
});

describeEachDatabase("tenant contract with TokenReview", (database) => {
  let services: Services;
  beforeAll(async () => {
    const config: Config = {
      ...TEST_CONFIG,
      tenantAuth: { ...TEST_CONFIG.tenantAuth, tokenReview: true, kubernetesApiUrl: process.env.TEST_KUBERNETES_API_URL },
    };
    services = await testServices(database(), config);
    await createTenant(services.db, ALICE, tenantCreateInput.parse({ name: "alpha" }));
    await services.snapshots.refresh();
  });

  it("asks Kubernetes who the token belongs to", async () => {
    reviews = [
      { token: "projected-alpha", username: "system:serviceaccount:tenants:alpha", audiences: ["control-plane"] },
      { token: "projected-other-audience", username: "system:serviceaccount:tenants:alpha", audiences: ["obot-gateway"] },
    ];
    const fetchWith = (token: string) =>
      contractResponse(services, new Request("http://cp.test/api/internal/contract/alpha", { headers: { authorization: `Bearer ${token}` } }), "alpha");
    expect((await fetchWith("projected-alpha")).status).toBe(200);
    expect((await fetchWith("projected-other-audience")).status).toBe(401);
    expect((await fetchWith("unknown-token")).status).toBe(401);
  });
});
