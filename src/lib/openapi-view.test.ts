import { describe, expect, it } from "vitest";
import { openApiDocument } from "@/server/rest";
import { curlExample, hasChildren, operationsByTag, typeLabel, viewOf, type OpenApiDocumentLike } from "./openapi-view";

const doc = JSON.parse(openApiDocument().body) as OpenApiDocumentLike;
const operation = (method: string, path: string) =>
  operationsByTag(doc)
    .flatMap((t) => t.operations)
    .find((o) => o.method === method && o.path === path)!;

describe("the API reference's view of the OpenAPI document", () => {
  it("groups every operation under its tag, in the document's tag order", () => {
    const tags = operationsByTag(doc);
    expect(tags.map((t) => t.name).slice(0, 4)).toEqual(["Servers", "Tenants", "Groups", "Rules"]);
    const count = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(tags.reduce((n, t) => n + t.operations.length, 0)).toBe(count);
  });

  it("reads a body schema as fields: required marks, enums, defaults and a union of subject shapes", () => {
    const body = operation("POST", "/api/v1/grants").body!;
    expect(body.required).toBe(true);
    expect(body.schema.kind).toBe("object");
    const fields = body.schema.kind === "object" ? Object.fromEntries(body.schema.properties.map((p) => [p.name, p])) : {};
    expect(fields.access).toMatchObject({ required: true });
    expect(typeLabel(fields.access!.schema)).toBe('"allow" | "deny"');
    expect(fields.note).toMatchObject({ required: false, defaultValue: '""' });
    expect(fields.subject!.schema.kind).toBe("union");
    expect(typeLabel(fields.subject!.schema)).toBe("one of 4 shapes");
    expect(hasChildren(fields.subject!.schema)).toBe(true);
  });

  it("shows component references by name and nullable fields as 'or null'", () => {
    const ok = operation("GET", "/api/v1/tenants/{name}").responses.find((r) => r.status === "200")!;
    expect(ok.schema).toEqual({ kind: "ref", name: "TenantDetail" });
    const grant = viewOf(doc.components!.schemas!.Grant);
    const expiresAt = grant.kind === "object" ? grant.properties.find((p) => p.name === "expiresAt")! : null;
    expect(expiresAt!.schema).toMatchObject({ kind: "scalar", type: "string or null", constraints: ["date-time"] });
  });

  it("names limits in words, not in the schema's numbers", () => {
    expect(viewOf({ type: "string", minLength: 1, maxLength: 63 })).toMatchObject({ constraints: ["1–63 characters"] });
    expect(viewOf({ type: "integer", minimum: 1, maximum: 9007199254740991 })).toMatchObject({ constraints: ["at least 1"] });
    expect(viewOf({ type: "array", items: { type: "string" }, maxItems: 20 })).toMatchObject({ kind: "array", constraints: ["at most 20 items"] });
  });

  it("writes a curl command with the token only where one is needed", () => {
    expect(curlExample(operation("POST", "/api/v1/mcp-servers/{name}/publish"))).toBe(
      'curl -X POST "$OPENCRANE_URL/api/v1/mcp-servers/<name>/publish" \\\n  -H "Authorization: Bearer $OPENCRANE_TOKEN" \\\n  -H "Content-Type: application/json" \\\n  --data-binary @body.json',
    );
    expect(curlExample(operation("GET", "/api/v1/openapi.json"))).toBe('curl "$OPENCRANE_URL/api/v1/openapi.json"');
  });
});
