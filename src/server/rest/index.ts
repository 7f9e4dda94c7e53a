import { createHash } from "node:crypto";
import packageJson from "../../../package.json";
import { accountRoutes } from "./account-routes";
import { auditRoutes } from "./audit-routes";
import { mcpServerRoutes } from "./mcp-servers";
import { obotRoutes } from "./obot-routes";
import { overviewRoutes } from "./overview-routes";
import { buildOpenApiDocument } from "./openapi";
import { policyRoutes } from "./policy-routes";
import { sourceRoutes } from "./source-routes";
import { toolRoutes } from "./tool-routes";
import { stateRoutes } from "./state-routes";
import { authRoutes } from "./auth-routes";
import { createRestRouter, type RestRoute } from "./router";

const apiRoutes: readonly RestRoute[] = [
  ...mcpServerRoutes,
  ...policyRoutes,
  ...toolRoutes,
  ...sourceRoutes,
  ...auditRoutes,
  ...obotRoutes,
  ...accountRoutes,
  ...overviewRoutes,
  ...stateRoutes,
];

let document: { body: string; etag: string } | null = null;

/** Built once per process on first request: it depends only on the code. */
function openApiDocument(): { body: string; etag: string } {
  if (!document) {
    const body = JSON.stringify(buildOpenApiDocument(documentedRoutes, { version: packageJson.version }));
    document = { body, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
  }
  return document;
}

const openApiRoute: RestRoute = {
  method: "GET",
  path: "/api/v1/openapi.json",
  summary: "This API's OpenAPI 3.1 description",
  role: "public",
  mutates: false,
  response: { status: 200, description: "The OpenAPI document", headers: { ETag: "Changes only when the API does" } },
  handle: async ({ request }) => {
    const { body, etag } = openApiDocument();
    const headers = { ETag: etag, "Cache-Control": "public, max-age=300" };
    if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
    return new Response(body, { headers: { ...headers, "Content-Type": "application/json" } });
  },
};

/** Every /api/v1 route: the single table the catch-all route handler serves. */
export const restRoutes: readonly RestRoute[] = [...apiRoutes, openApiRoute];

/** Everything the OpenAPI document describes: /api/v1 and the browser sign-in routes. */
export const documentedRoutes: readonly RestRoute[] = [...restRoutes, ...authRoutes];

export const dispatchRest = createRestRouter(restRoutes);

export { openApiDocument };
