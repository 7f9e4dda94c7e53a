/**
 * The audit log's action codes ("mcp_server.publish") as people read them ("Server published"),
 * grouped by what they change: the labels of the history tables and the audit log's filters.
 */

export const AUDIT_ENTITY_LABELS: Record<string, string> = {
  mcp_server: "Server",
  tenant: "Tenant",
  group: "Group",
  grant: "Rule",
  source: "Source",
  source_item: "Source item",
  user: "User",
  api_token: "API token",
  tenant_token: "Tenant token",
  obot_catalog: "Obot catalog",
  obot_deployment: "Obot deployment",
};

/** Every action the control plane records, by entity type, with its label. */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  "mcp_server.create": "Server created",
  "mcp_server.import": "Server imported",
  "mcp_server.update": "Server edited",
  "mcp_server.rename": "Server renamed",
  "mcp_server.publish": "Server published",
  "mcp_server.disable": "Server disabled",
  "mcp_server.degrade": "Server degraded",
  "mcp_server.delete": "Server deleted",
  "tenant.create": "Tenant created",
  "tenant.update": "Tenant edited",
  "tenant.delete": "Tenant deleted",
  "group.create": "Group created",
  "group.update": "Group edited",
  "group.delete": "Group deleted",
  "grant.create": "Rule created",
  "grant.update": "Rule edited",
  "grant.delete": "Rule deleted",
  "source.create": "Source created",
  "source.update": "Source edited",
  "source.approve": "Source approved",
  "source.reject": "Source rejected",
  "source.delete": "Source deleted",
  "source.sync": "Source sync started",
  "source.sync_done": "Source synced",
  "source.sync_failed": "Source sync failed",
  "source.pending_update": "Upstream update staged",
  "source.reject_update": "Upstream update rejected",
  "source.release": "Quarantined item released",
  "source.release_rejected": "Release refused",
  "user.create": "User created",
  "user.update": "User edited",
  "user.role_change": "Role changed",
  "user.deactivate": "User deactivated",
  "user.reactivate": "User reactivated",
  "user.password_reset": "Password reset",
  "api_token.create": "API token created",
  "api_token.revoke": "API token revoked",
  "tenant_token.create": "Tenant token issued",
  "tenant_token.revoke": "Tenant token revoked",
  "auth.sign_in": "Signed in",
  "auth.sign_out": "Signed out",
  "auth.sign_in_failed": "Sign-in failed",
  "obot.catalog_source_restore": "Obot catalog source restored",
  "obot.catalog_credential_restore": "Obot catalog credential restored",
  "obot.deployment_env_repair": "Obot deployment repaired",
};

const sentenceCase = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** "mcp_server.publish" → "Server published"; an action not listed reads as its words ("foo.bar_baz" → "Foo: bar baz"). */
export function auditActionLabel(action: string): string {
  const known = AUDIT_ACTION_LABELS[action];
  if (known) return known;
  const dot = action.indexOf(".");
  if (dot < 0) return sentenceCase(action.replace(/_/g, " "));
  const entity = action.slice(0, dot);
  const verb = action.slice(dot + 1).replace(/_/g, " ");
  return `${AUDIT_ENTITY_LABELS[entity] ?? sentenceCase(entity.replace(/_/g, " "))}: ${verb}`;
}

export function auditEntityLabel(entityType: string): string {
  return AUDIT_ENTITY_LABELS[entityType] ?? sentenceCase(entityType.replace(/_/g, " "));
}

/** The action filter's choices: one group per kind of entity (sign-in events under "Sign-in"), in the order of the labels above. */
export function auditActionGroups(): { label: string; actions: { value: string; label: string }[] }[] {
  const groups = new Map<string, { value: string; label: string }[]>();
  for (const [value, label] of Object.entries(AUDIT_ACTION_LABELS)) {
    const prefix = value.slice(0, value.indexOf("."));
    const group = prefix === "auth" ? "Sign-in" : prefix === "obot" ? "Obot link" : auditEntityLabel(prefix);
    groups.set(group, [...(groups.get(group) ?? []), { value, label }]);
  }
  return [...groups].map(([label, actions]) => ({ label, actions }));
}
