/**
 * A demo catalog written for this project: a dozen servers covering every runtime kind and every
 * status, so a newcomer sees a full console in a minute (`npm run seed:demo`, or the button on an
 * empty catalog page).
 */
import { inArray } from "drizzle-orm";
import type { ChangeContext } from "../audit/audit";
import type { Db } from "../db/client";
import { mcpServers } from "../db/schema";
import { serverCreateInput, type ServerCreateInput, type ServerStatus } from "./model";
import { createServer, disableServer, markServerDegraded, publishServer } from "./servers";

interface DemoServer {
  input: ServerCreateInput;
  status: ServerStatus;
  statusReason?: string;
}

const tool = (name: string, description: string, params?: Record<string, string>) => (params ? { name, description, params } : { name, description });

export const DEMO_SERVERS: DemoServer[] = [
  {
    status: "active",
    input: {
      name: "github",
      displayName: "GitHub",
      shortDescription: "Repositories, issues, pull requests and Actions through GitHub's hosted MCP server",
      description:
        "GitHub's hosted MCP server.\n\n## What agents can do\n- Read code and search repositories\n- Open, triage and comment on issues and pull requests\n- Inspect failing Actions runs\n\n## What each user needs\nA fine-grained personal access token with the repositories the agent may touch.",
      runtime: {
        type: "remote",
        fixedURL: "https://api.githubcopilot.com/mcp/",
        headers: [
          {
            key: "Authorization",
            name: "Personal access token",
            description: "A fine-grained GitHub token",
            required: true,
            sensitive: true,
            prefix: "Bearer ",
          },
        ],
      },
      categories: ["Developer Tools", "Version Control"],
      capabilities: ["read", "write"],
      repoUrl: "https://github.com/github/github-mcp-server",
      toolPreview: [
        tool("search_code", "Search code across repositories", { query: "GitHub code search query" }),
        tool("get_issue", "Get an issue with its comments", { owner: "Repository owner", repo: "Repository name", issue_number: "Issue number" }),
        tool("create_pull_request", "Open a pull request", {
          owner: "Repository owner",
          repo: "Repository name",
          title: "Title",
          head: "Branch with the changes",
          base: "Branch to merge into",
        }),
      ],
    },
  },
  {
    status: "active",
    input: {
      name: "linear",
      displayName: "Linear",
      shortDescription: "Find, create and update Linear issues, projects and cycles",
      description: "Linear's remote MCP server. Users sign in with OAuth when they first connect.",
      runtime: { type: "remote", fixedURL: "https://mcp.linear.app/mcp", headers: [] },
      categories: ["Project Management"],
      capabilities: ["read", "write"],
      repoUrl: "https://linear.app/docs/mcp",
      toolPreview: [
        tool("list_issues", "List issues matching a filter", { query: "Text to search for", teamId: "Team to search in (optional)" }),
        tool("create_issue", "Create an issue", { title: "Issue title", teamId: "Team", description: "Markdown body (optional)" }),
      ],
    },
  },
  {
    status: "active",
    input: {
      name: "confluence",
      displayName: "Confluence",
      shortDescription: "Search and read Confluence pages on your Atlassian site",
      description: "Each user connects to their own Atlassian site; any URL under atlassian.net is accepted.",
      runtime: { type: "remote", hostname: "*.atlassian.net", headers: [] },
      categories: ["Documentation", "Knowledge"],
      capabilities: ["read"],
      scope: "department",
      toolPreview: [tool("search_pages", "Full-text search over pages", { cql: "Confluence query language expression" })],
    },
  },
  {
    status: "active",
    input: {
      name: "grafana",
      displayName: "Grafana",
      shortDescription: "Query dashboards, Prometheus and Loki through your Grafana instance",
      description: "Connects to the Grafana instance each team names. Needs a service account token with Viewer role.",
      runtime: {
        type: "remote",
        urlTemplate: "${GRAFANA_URL}/api/plugins/grafana-mcp/resources/mcp",
        headers: [{ key: "Authorization", name: "Service account token", required: true, sensitive: true, prefix: "Bearer " }],
      },
      transport: "sse",
      env: [{ key: "GRAFANA_URL", name: "Grafana URL", description: "e.g. https://grafana.example.com", required: true, sensitive: false }],
      categories: ["Observability"],
      capabilities: ["read"],
      scope: "project",
      toolPreview: [
        tool("query_prometheus", "Run a PromQL query", { expr: "PromQL expression", range: "Time range (optional)" }),
        tool("search_dashboards", "Find dashboards by title", { query: "Title text" }),
      ],
    },
  },
  {
    status: "active",
    input: {
      name: "brave-search",
      displayName: "Brave Search",
      shortDescription: "Web and local search with the Brave Search API",
      description: "Runs the Brave Search MCP server from npm. Each user brings an API key.",
      runtime: { type: "npx", package: "@brave/brave-search-mcp-server@2.0.58", args: ["--transport", "stdio"] },
      env: [{ key: "BRAVE_API_KEY", name: "Brave API key", required: true, sensitive: true }],
      categories: ["Search"],
      capabilities: ["read", "internet"],
      repoUrl: "https://github.com/brave/brave-search-mcp-server",
      toolPreview: [tool("brave_web_search", "Search the web", { query: "Search terms", count: "Results to return (optional)" })],
    },
  },
  {
    status: "active",
    input: {
      name: "fetch",
      displayName: "Fetch",
      shortDescription: "Fetch a URL and return it as Markdown for the model to read",
      description: "The reference fetch server from the MCP project, run with uvx.",
      runtime: { type: "uvx", package: "mcp-server-fetch==2025.4.7", command: "", args: ["--ignore-robots-txt"] },
      categories: ["Web"],
      capabilities: ["read", "internet"],
      repoUrl: "https://github.com/modelcontextprotocol/servers/tree/main/src/fetch",
      toolPreview: [tool("fetch", "Fetch a URL", { url: "Absolute URL", max_length: "Maximum characters (optional)" })],
    },
  },
  {
    status: "active",
    input: {
      name: "markdown-converter",
      displayName: "Markdown Converter",
      shortDescription: "Turn PDFs, Office documents and web pages into Markdown",
      description: "A containerized converter that runs inside the cluster; documents never leave it.",
      runtime: {
        type: "containerized",
        image: "ghcr.io/opencrane/mcp-markdown-converter:1.2.0",
        port: 8080,
        path: "/mcp",
        command: "",
        args: ["--max-size=25MB"],
      },
      categories: ["Document Processing"],
      capabilities: ["read"],
      toolPreview: [tool("convert_to_markdown", "Convert a document to Markdown", { uri: "http(s) or data: URI" })],
    },
  },
  {
    status: "degraded",
    statusReason: "health check failing since the 1.4.2 rollout: connection pool exhausted",
    input: {
      name: "postgres-readonly",
      displayName: "Postgres (read-only)",
      shortDescription: "Explore schemas and run read-only SQL against team databases",
      description: "Connects with a read-only role. Statements are parsed and refused unless they are SELECT or EXPLAIN.",
      runtime: { type: "containerized", image: "ghcr.io/opencrane/mcp-postgres:1.4.2", port: 8080, path: "/mcp", command: "", args: ["--read-only"] },
      env: [{ key: "DATABASE_URI", name: "Database URI", description: "postgresql://user@host:5432/db", required: true, sensitive: true }],
      categories: ["Databases"],
      capabilities: ["read"],
      scope: "department",
      toolPreview: [tool("list_schemas", "List schemas"), tool("execute_sql", "Run a read-only statement", { sql: "SELECT or EXPLAIN statement" })],
    },
  },
  {
    status: "disabled",
    statusReason: "replaced by the hosted Sentry server; kept for teams still migrating",
    input: {
      name: "sentry",
      displayName: "Sentry",
      shortDescription: "Look up Sentry issues, events and releases",
      description: "Sentry's hosted MCP server over server-sent events.",
      runtime: { type: "remote", fixedURL: "https://mcp.sentry.dev/sse", headers: [] },
      transport: "sse",
      categories: ["Observability"],
      capabilities: ["read"],
      toolPreview: [tool("get_issue_details", "Get an issue with its latest event", { issueId: "Sentry issue id" })],
    },
  },
  {
    status: "disabled",
    input: {
      name: "time",
      displayName: "Time",
      shortDescription: "Current time and time-zone conversion",
      description: "The reference time server. Disabled: agents get the time from their runtime.",
      runtime: { type: "uvx", package: "mcp-server-time==2025.9.25", command: "mcp-server-time", args: ["--local-timezone=UTC"] },
      categories: ["Utilities"],
      toolPreview: [tool("get_current_time", "Current time in a time zone", { timezone: "IANA time zone" })],
    },
  },
  {
    status: "draft",
    input: {
      name: "kubernetes",
      displayName: "Kubernetes",
      shortDescription: "Inspect workloads, logs and events in a namespace",
      description: "Draft: waiting on a security review of the RBAC role it runs with.",
      runtime: { type: "containerized", image: "ghcr.io/opencrane/mcp-kubernetes:0.9.0", port: 8080, path: "/mcp", command: "", args: [] },
      categories: ["Cloud & Infrastructure"],
      capabilities: ["read"],
      scope: "project",
      toolPreview: [tool("pods_list", "List pods", { namespace: "Namespace" }), tool("pods_log", "Tail a pod's log", { namespace: "Namespace", name: "Pod" })],
    },
  },
  {
    status: "draft",
    input: {
      name: "filesystem",
      displayName: "Filesystem",
      shortDescription: "Read and write files in the agent's workspace",
      description: "The reference filesystem server, limited to /workspace.",
      runtime: { type: "npx", package: "@modelcontextprotocol/server-filesystem@2025.8.21", args: ["/workspace"] },
      categories: ["Utilities"],
      capabilities: ["read", "write"],
      // Not personal: a personal server names its owner tenant, and the demo catalog has no tenants.
      scope: "project",
      toolPreview: [tool("read_text_file", "Read a file", { path: "Path under /workspace" })],
    },
  },
  {
    status: "draft",
    input: {
      name: "weather",
      displayName: "Weather",
      shortDescription: "Forecasts and alerts (imported from the MCP Registry; no runtime chosen yet)",
      description: "Imported without a runtime: pick the remote or package before publishing.",
      categories: ["Utilities"],
    },
  },
];

export async function demoCatalogLoaded(db: Db): Promise<boolean> {
  const rows = await db
    .select({ name: mcpServers.name })
    .from(mcpServers)
    .where(
      inArray(
        mcpServers.name,
        DEMO_SERVERS.map((s) => s.input.name),
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** Creates the demo servers that do not exist yet and gives each its demo status. */
export async function loadDemoCatalog(db: Db, ctx: ChangeContext): Promise<{ created: string[]; skipped: string[] }> {
  const created: string[] = [];
  const skipped: string[] = [];
  const existing = new Set(
    (
      await db
        .select({ name: mcpServers.name })
        .from(mcpServers)
        .where(
          inArray(
            mcpServers.name,
            DEMO_SERVERS.map((s) => s.input.name),
          ),
        )
    ).map((r) => r.name),
  );
  for (const demo of DEMO_SERVERS) {
    if (existing.has(demo.input.name)) {
      skipped.push(demo.input.name);
      continue;
    }
    const { name } = await createServer(db, ctx, serverCreateInput.parse(demo.input));
    if (demo.status === "active" || demo.status === "degraded") await publishServer(db, ctx, name);
    if (demo.status === "degraded") await markServerDegraded(db, ctx, name, demo.statusReason ?? "health check failing");
    if (demo.status === "disabled") await disableServer(db, ctx, name, { reason: demo.statusReason });
    created.push(name);
  }
  return { created, skipped };
}
