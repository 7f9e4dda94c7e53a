/**
 * The shapes of the console's own endpoints as /api/v1 answers them: users, API tokens, the
 * dashboard, catalog counts, the demo catalog and the access matrix. Kept apart from resources.ts
 * (the catalog and policy objects), with the same compile-time check against the domain's types.
 */
import { z } from "zod";
import type { ApiToken, User } from "../auth/model";
import { SCOPES, SERVER_STATUSES } from "../catalog/model";
import type { CatalogStats } from "../catalog/servers";
import type { AccessMatrix } from "../snapshot/reads";

const dateTime = z.iso.datetime({ offset: true });
const role = z.enum(["viewer", "editor", "admin"]);

export const userResource = z
  .object({
    id: z.uuid().meta({ description: "The id the user's URLs take" }),
    email: z.string(),
    displayName: z.string(),
    role,
    active: z.boolean().meta({ description: "false: deactivated, cannot sign in and their tokens are refused" }),
    kind: z.enum(["local", "oidc"]).meta({ description: "How the user signs in: a password here, or the identity provider" }),
    createdAt: dateTime,
    updatedAt: dateTime,
    lastSignInAt: dateTime.nullable(),
    createdBy: z.string(),
  })
  .meta({ id: "User" });

export const apiTokenResource = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: role.meta({ description: "At most its owner's role; the owner's current role caps it too" }),
    prefix: z.string().meta({ description: "The secret's first characters, to recognise it" }),
    owner: z.string().meta({ description: "The owner's e-mail" }),
    createdAt: dateTime,
    expiresAt: dateTime.nullable(),
    lastUsedAt: dateTime.nullable(),
    revokedAt: dateTime.nullable(),
  })
  .meta({ id: "ApiToken" });

export const issuedApiTokenResource = z
  .object({
    token: z.string().meta({ description: "The secret (oct_…), shown in this answer only" }),
    apiToken: apiTokenResource,
  })
  .meta({ id: "IssuedApiToken" });

export const catalogStatsResource = z
  .object({
    total: z.number().int(),
    byStatus: z.object(
      Object.fromEntries(SERVER_STATUSES.map((status) => [status, z.number().int()])) as Record<(typeof SERVER_STATUSES)[number], z.ZodNumber>,
    ),
    byRuntime: z.record(z.string(), z.number().int()).meta({ description: "Servers per runtime type; 'none' for servers without one" }),
    categories: z.array(z.string()).meta({ description: "Every category in use, sorted" }),
  })
  .meta({ id: "CatalogStats" });

export const dashboardResource = z
  .object({
    stats: catalogStatsResource,
    policy: z
      .object({
        tenants: z.number().int(),
        groups: z.number().int(),
        rules: z.number().int(),
        warnings: z.number().int().nullable().meta({ description: "The policy compiler's warnings (every kind); null before the first snapshot" }),
      })
      .meta({ description: "Tenants, groups and rules, and the compiler's warning count" }),
    lastObotFetch: z
      .object({ feed: z.string(), userAgent: z.string(), status: z.number().int(), at: dateTime, remoteAddr: z.string().nullable(), count: z.number().int() })
      .nullable()
      .meta({ description: "Obot's last fetch of the feed, as any replica recorded it" }),
    snapshot: z
      .object({
        revision: z.number().int(),
        builtAt: dateTime,
        buildMs: z.number().int(),
        activeServers: z.number().int(),
        obotFeedBytes: z.number().int(),
      })
      .nullable()
      .meta({ description: "The snapshot this replica serves; null before the first build" }),
    database: z.string().meta({ description: "postgres or pglite" }),
    internalPort: z.number().int().nullable().meta({ description: "The port the machine feeds listen on, when apart from the API's" }),
  })
  .meta({ id: "Dashboard" });

export const demoStateResource = z.object({ loaded: z.boolean().meta({ description: "Any of the demo catalog's servers exists" }) }).meta({ id: "DemoState" });

export const demoLoadResource = z
  .object({ created: z.array(z.string()), skipped: z.array(z.string()).meta({ description: "Demo servers that already existed" }) })
  .meta({ id: "DemoLoad" });

const policyServer = z.object({ name: z.string(), scope: z.enum(SCOPES) });

export const policyServersResource = z.object({ items: z.array(policyServer) }).meta({ id: "PolicyServers" });

export const accessMatrixResource = z
  .object({
    revision: z.number().int(),
    servers: z
      .array(policyServer.extend({ server: z.string().optional(), tool: z.string().optional() }))
      .meta({ description: "The columns: active servers, filtered by server; with expand, that server's tools follow it (name server/tool)" }),
    rows: z
      .array(
        z.object({
          tenant: z.string(),
          tiers: z.string().meta({ description: "One digit per column: the tier that decided (see docs/policy.md); 3 and 5 allow" }),
        }),
      )
      .meta({ description: "One row per tenant, from offset, at most limit" }),
    totalTenants: z.number().int(),
  })
  .meta({ id: "AccessMatrix" });

type Fits<Actual, Documented> = Actual extends Documented ? true : never;
type Out<S extends z.ZodType> = z.output<S>;
export const ADMIN_SHAPES_FIT: [
  Fits<User, Out<typeof userResource>>,
  Fits<ApiToken, Out<typeof apiTokenResource>>,
  Fits<CatalogStats, Out<typeof catalogStatsResource>>,
  Fits<Omit<AccessMatrix, "servers">, Omit<Out<typeof accessMatrixResource>, "servers">>,
] = [true, true, true, true];
