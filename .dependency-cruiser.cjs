// Import boundaries, checked by `npm run lint` (dependency-cruiser; folder-level cycles by
// scripts/check-folder-cycles.mjs over the same graph). Type-only imports count: they couple
// modules as much as value imports do, even though the compiler erases them.

/** The pure core: computations with no database, no services, no network or files. */
const PURE_CORE = [
  // Every policy module except the ones that load or store (listed by name, so a new I/O module is a decision).
  "^src/server/policy/(?!(store|preview|tenant-auth|tenant-tokens)\\.ts$)[^/]+\\.ts$",
  "^src/server/formats/",
  "^src/lib/",
  // The domain model (zod schemas and types) that every layer, db/schema.ts included, may use.
  "^src/server/[^/]+/(model|source-model)\\.ts$",
  "^src/server/tenant-name\\.ts$",
  // Small pure helpers the browser uses too.
  "^src/server/auth/roles\\.ts$",
  "^src/server/catalog/ownership\\.ts$",
  "^src/server/util/",
  // Tool governance's computations: canonical JSON, drift and what a server may expose (the compiler uses them).
  "^src/server/tools/(canonical-json|diff|effective)\\.ts$",
];

/** What the pure core must not use, directly or through another module. */
const STATEFUL = "^src/server/(db|snapshot|application|rest|trpc|feeds)/|^src/server/services\\.ts$";
const NODE_IO = "^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|dns/promises|child_process|cluster|worker_threads|readline)$";

/** The HTTP edges: REST routes, tRPC routers, the feeds Obot and the tenant pods poll. */
const EDGES = "^src/server/(rest|trpc|feeds)/";

const TESTS = ["\\.test\\.tsx?$", "^test/", "^e2e/", "^bench/", "^scripts/"];

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "pure-core-stays-pure",
      severity: "error",
      comment:
        "The compiler, renderers, formats, the domain model and src/lib import no database, services, snapshot, application layer, HTTP edge or node I/O module.",
      from: { path: PURE_CORE, pathNot: TESTS },
      to: { path: [STATEFUL, NODE_IO] },
    },
    {
      name: "pure-core-reaches-nothing-stateful",
      severity: "error",
      comment: "Nor through another module: whatever the pure core imports is pure too.",
      from: { path: PURE_CORE, pathNot: TESTS },
      to: { path: STATEFUL, reachable: true },
    },
    {
      name: "only-the-app-imports-edges",
      severity: "error",
      comment:
        "Only Next's routes (src/app), its tRPC glue (src/trpc), the process entry (src/server/app.ts), tests, benchmarks and scripts import the REST, tRPC and feed handlers; the edges may use each other. Everything else calls the application layer or the domain.",
      from: { pathNot: ["^src/app/", "^src/trpc/", "^src/components/", "^src/server/app\\.ts$", EDGES, ...TESTS] },
      to: { path: EDGES },
    },
    {
      name: "the-edges-call-the-application-layer",
      severity: "error",
      comment:
        "The application layer (one function per use case) sits above the domain: REST routes, tRPC procedures and feeds call it, the domain never does.",
      from: { pathNot: ["^src/app/", "^src/trpc/", "^src/server/application/", "^src/server/(app|next)\\.ts$", EDGES, ...TESTS] },
      to: { path: "^src/server/application/" },
    },
    {
      name: "components-use-the-router-type-only",
      severity: "error",
      comment: "Client components may name the tRPC router's type (for inference), never its code.",
      from: { path: "^src/components/" },
      to: { path: EDGES, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "client-code-runs-only-the-pure-core",
      severity: "error",
      comment: "What client components import from src/server at run time ends up in the browser: only the pure core (types may come from anywhere).",
      from: { path: "^src/components/", pathNot: TESTS },
      to: { path: "^src/server/", pathNot: PURE_CORE, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-circular",
      severity: "error",
      comment: "No module-level import cycles (folder-level ones: scripts/check-folder-cycles.mjs).",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "Every import resolves (server-only is Next's, bundled with it).",
      from: {},
      to: { couldNotResolve: true, pathNot: "^server-only$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|\\.data|out|drizzle|test-results|playwright-report|bench/\\.out)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".mts", ".mjs", ".js", ".cjs", ".d.mts", ".json"],
    },
  },
};
