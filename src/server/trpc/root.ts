import { createCallerFactory, router } from "./init";
import { auditRouter, sessionRouter, tokensRouter, usersRouter } from "./routers/auth";
import { catalogRouter } from "./routers/catalog";
import { dashboardRouter } from "./routers/dashboard";
import { obotRouter } from "./routers/obot";
import { grantsRouter, groupsRouter, policyRouter, tenantsRouter } from "./routers/policy";
import { searchRouter } from "./routers/search";
import { sourcesRouter } from "./routers/sources";
import { toolsRouter } from "./routers/tools";

export const appRouter = router({
  session: sessionRouter,
  catalog: catalogRouter,
  dashboard: dashboardRouter,
  users: usersRouter,
  tokens: tokensRouter,
  audit: auditRouter,
  tenants: tenantsRouter,
  groups: groupsRouter,
  grants: grantsRouter,
  policy: policyRouter,
  sources: sourcesRouter,
  obot: obotRouter,
  tools: toolsRouter,
  search: searchRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
