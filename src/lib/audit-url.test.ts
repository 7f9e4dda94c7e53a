import { describe, expect, it } from "vitest";
import { auditExportHref, auditFiltersFrom, auditHref, auditQueryOf, fromUtcInput, hasAuditFilters, utcInputValue } from "./audit-url";

describe("audit log filters in the URL", () => {
  it("reads filters, normalizes times to UTC minutes and drops times that are not times", () => {
    const filters = auditFiltersFrom(new URLSearchParams("actor=%20alice@example.com&since=2026-11-23T10:00:30%2B02:00&until=soon"));
    expect(filters).toEqual({ actor: "alice@example.com", action: "", entityType: "", entityId: "", since: "2026-11-23T08:00Z", until: "", changeSet: "" });
    expect(hasAuditFilters(filters)).toBe(true);
    expect(hasAuditFilters(auditFiltersFrom({}))).toBe(false);
  });

  it("round-trips through the href, leaving empty filters out", () => {
    const filters = auditFiltersFrom({ entityType: "mcp_server", entityId: "github", since: "2026-01-02T03:04Z" });
    expect(auditHref(filters)).toBe("/audit?entityType=mcp_server&entityId=github&since=2026-01-02T03%3A04Z");
    expect(auditFiltersFrom(new URLSearchParams(auditHref(filters).split("?")[1]))).toEqual(filters);
    expect(auditHref(auditFiltersFrom({}))).toBe("/audit");
  });

  it("gives the export links the same filters", () => {
    const filters = auditFiltersFrom({ action: "mcp_server.publish" });
    expect(auditExportHref(filters, "csv")).toBe("/api/v1/audit/export?format=csv&action=mcp_server.publish");
    expect(auditExportHref(auditFiltersFrom({}), "jsonl")).toBe("/api/v1/audit/export?format=jsonl");
  });

  it("builds the audit.list input with only the filters set", () => {
    expect(auditQueryOf(auditFiltersFrom({ actor: "a@example.com", until: "2026-01-01T00:00Z" }), 10)).toEqual({
      actor: "a@example.com",
      until: "2026-01-01T00:00Z",
      limit: 10,
    });
  });

  it("reads and fills datetime-local inputs in UTC", () => {
    expect(fromUtcInput("2026-11-23T10:00")).toBe("2026-11-23T10:00Z");
    expect(utcInputValue("2026-11-23T10:00Z")).toBe("2026-11-23T10:00");
    expect(fromUtcInput("")).toBe("");
  });
});
