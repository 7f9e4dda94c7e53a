/** Finding things by name, for the command palette: servers, tenants, groups and rules, a few of each. */
import { z } from "zod";
import { listServers } from "../catalog/servers";
import { serverListQuery } from "../catalog/model";
import { findPolicyObjects } from "../policy/store";
import { useCase } from "./use-case";

export const findInput = z.object({
  q: z.string().trim().min(1, "type something to find").max(100, "at most 100 characters"),
  /** How many of each kind. */
  limit: z.number().int().min(1).max(20).default(6),
});

export const findUseCase = useCase({
  name: "search.find",
  role: "viewer",
  mutates: false,
  args: findInput,
  run: async ({ services }, { q, limit }) => {
    const [servers, policy] = await Promise.all([listServers(services.db, serverListQuery.parse({ q, limit })), findPolicyObjects(services.db, q, limit)]);
    return {
      servers: servers.items.map(({ name, displayName, status }) => ({ name, displayName, status })),
      tenants: policy.tenants.map(({ name, displayName, team }) => ({ name, displayName, team })),
      groups: policy.groups,
      rules: policy.grants.map(({ id, subject, servers, access, note }) => ({ id, subject, servers, access, note })),
    };
  },
});
