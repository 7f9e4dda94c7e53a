/**
 * The tenant name rule. The catalog (a server's owner tenant) and the policy (tenants, grant
 * subjects) both validate tenant names, so the rule sits below both folders and neither imports
 * the other for it. Pure: safe for client components too.
 */
import { z } from "zod";

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const tenantNameSchema = z
  .string({ error: "tenant name is required" })
  .min(1, "tenant name is required")
  .max(63, { error: (iss) => `tenant name '${String(iss.input)}' is longer than 63 characters` })
  .regex(DNS_LABEL, {
    error: (iss) =>
      `tenant name '${String(iss.input)}' must be lowercase letters, digits and '-' (a DNS-1123 label: it is also the tenant's ServiceAccount name)`,
  });
