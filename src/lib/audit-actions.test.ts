import { describe, expect, it } from "vitest";
import { AUDIT_ACTION_LABELS, auditActionGroups, auditActionLabel, auditEntityLabel } from "./audit-actions";

describe("audit action labels", () => {
  it("reads an action code as words", () => {
    expect(auditActionLabel("mcp_server.publish")).toBe("Server published");
    expect(auditActionLabel("grant.create")).toBe("Rule created");
    expect(auditActionLabel("auth.sign_in_failed")).toBe("Sign-in failed");
  });

  it("reads an action it does not list from its parts, never as the bare code", () => {
    expect(auditActionLabel("tenant.relabel_all")).toBe("Tenant: relabel all");
    expect(auditActionLabel("brand_new.thing")).toBe("Brand new: thing");
    expect(auditActionLabel("standalone")).toBe("Standalone");
    expect(auditEntityLabel("mcp_server")).toBe("Server");
    expect(auditEntityLabel("some_thing")).toBe("Some thing");
  });

  it("offers every listed action once, grouped by what it changes", () => {
    const groups = auditActionGroups();
    expect(groups.map((g) => g.label)).toEqual(["Server", "Tenant", "Group", "Rule", "Source", "User", "API token", "Tenant token", "Sign-in", "Obot link"]);
    expect(groups.flatMap((g) => g.actions.map((a) => a.value)).sort()).toEqual(Object.keys(AUDIT_ACTION_LABELS).sort());
  });
});
