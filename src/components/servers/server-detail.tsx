"use client";

import { useQuery } from "@tanstack/react-query";
import { ObotServerState } from "@/components/dashboard/obot-link";
import Link from "next/link";
import type { EnvDeclaration, HeaderDeclaration, McpServer, Runtime } from "@/server/catalog/model";
import type { RegistryStanding } from "@/server/formats/registry-view";
import { ServerHistory } from "@/components/audit/entity-history";
import { useCan } from "@/components/shell/session";
import { CopyButton } from "@/components/ui/copy-button";
import { Markdown } from "@/components/ui/markdown";
import { DetailHeader, Details, Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { Loading, PanelTable, QueryError } from "@/components/ui/states";
import { StatusBadge, Tag } from "@/components/ui/status-badge";
import { Tabs } from "@/components/ui/tabs";
import { fieldChangesOf } from "@/lib/source-run";
import { exactTime } from "@/lib/time";
import { isUpstreamField, UPSTREAM_FIELD_LABELS } from "@/server/catalog/ownership";
import type { AppRouter } from "@/server/trpc/root";
import type { inferRouterOutputs } from "@trpc/server";
import { useTRPC } from "@/trpc/react";
import { RUNTIME_LABELS, SCOPE_LABELS, USER_TYPE_LABELS } from "./labels";
import { ServerTools } from "@/components/tools/server-tools";
import { ServerActions } from "./server-actions";

const none = <span className="text-slate-400">—</span>;

export function ServerDetail({ name, initialTab }: { name: string; /** The tab the address names (`?tab=`). */ initialTab?: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.catalog.get.queryOptions({ name }));

  if (query.isPending) return <Loading />;
  if (query.isError) return <QueryError error={query.error} what={`Server '${name}'`} back={{ href: "/servers", label: "Back to the catalog" }} />;

  const { server, obotEntry, publishBlocker, registry, upstream } = query.data;
  return (
    <>
      <DetailHeader
        crumbs={[{ href: "/servers", label: "Catalog" }]}
        current={<span className="font-mono">{server.name}</span>}
        title={server.displayName}
        badge={<StatusBadge status={server.status} />}
        actions={<ServerActions server={server} publishBlocker={publishBlocker} />}
      >
        <p className="mt-1 font-mono text-sm text-slate-600">{server.name}</p>
        {server.statusReason && (
          <p className="mt-1 text-sm text-slate-700">
            <span className="text-slate-500">Status reason:</span> {server.statusReason}
          </p>
        )}
        {server.shortDescription && <p className="mt-2 max-w-3xl text-sm text-slate-700">{server.shortDescription}</p>}
        {server.status === "active" && <ObotServerState name={server.name} />}
        {!registry.included && server.runtime && (
          <p data-testid="registry-excluded" className="mt-2 max-w-3xl rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200">
            {server.status === "active" ? "Not in the MCP Registry view: " : "Once active, it will not be in the MCP Registry view: "}
            {registry.reasons.join("; ")}. Obot and tenant contracts are not affected.
          </p>
        )}
        <AccessLinks server={server} />
      </DetailHeader>

      <Tabs
        label="Server details"
        urlParam="tab"
        initial={initialTab}
        tabs={[
          { id: "overview", label: "Overview", content: <Overview server={server} registry={registry} upstream={upstream} /> },
          { id: "runtime", label: "Runtime", content: <RuntimePanel server={server} /> },
          {
            id: "env",
            label: `Environment & headers (${server.env.length + (server.runtime?.type === "remote" ? server.runtime.headers.length : 0)})`,
            content: <Declarations server={server} />,
          },
          { id: "discovered-tools", label: "Tools", content: <ServerTools name={server.name} /> },
          { id: "tools", label: `Tool preview (${server.toolPreview.length})`, content: <ToolPreview server={server} /> },
          { id: "obot", label: "Obot entry", content: <ObotEntry server={server} entry={obotEntry} /> },
          { id: "history", label: "History", content: <ServerHistory name={server.name} /> },
        ]}
      />
    </>
  );
}

/** Where to see who may use this server: the matrix column (active servers only) and the rules that name it. */
function AccessLinks({ server }: { server: McpServer }) {
  const q = encodeURIComponent(server.name);
  return (
    <p className="mt-2 text-sm text-slate-600">
      {server.status === "active" ? (
        <Link href={`/access?server=${q}`} className="font-medium text-indigo-700 hover:underline">
          Who may use it
        </Link>
      ) : (
        <span>Tenants receive it only once it is active</span>
      )}
      {" · "}
      <Link href={`/rules?server=${q}`} className="font-medium text-indigo-700 hover:underline">
        Rules that name it
      </Link>
    </p>
  );
}

type Upstream = inferRouterOutputs<AppRouter>["catalog"]["get"]["upstream"];

const ITEM_STATES: Record<string, string> = {
  registered: "in step with upstream",
  "pending-update": "an upstream update waits for review",
  "removed-upstream": "removed upstream: the source no longer has it",
  quarantined: "upstream's latest version is quarantined",
  rejected: "upstream's latest version was rejected",
};

/** Where the server comes from, what upstream has for it now, and the fields an admin took over. */
function UpstreamPanel({ server, upstream }: { server: McpServer; upstream: Upstream }) {
  const overrides = server.overrides.filter(isUpstreamField);
  const pending = upstream?.item.state === "pending-update" ? fieldChangesOf(upstream.item.pendingDiff) : [];
  return (
    <Panel title="Upstream" className="lg:col-span-5" bodyClassName="px-5 py-2">
      <div data-testid="upstream-state">
        <Details
          items={[
            [
              "Source",
              upstream ? (
                <Link href={`/sources/${upstream.source.name}`} className="font-mono text-indigo-700 hover:underline">
                  {upstream.source.name}
                </Link>
              ) : server.sourceId ? (
                <span className="font-mono">{server.sourceId}</span>
              ) : (
                "None: created by hand, or its source was deleted"
              ),
            ],
            ...(upstream
              ? ([
                  [
                    "Upstream item",
                    <span key="i" className="font-mono">
                      {upstream.item.upstreamId}
                    </span>,
                  ],
                  ["Upstream version", upstream.item.upstreamVersion ?? server.provenance?.upstreamVersion ?? none],
                  [
                    "State",
                    <span key="s" data-testid="upstream-item-state" data-state={upstream.item.state}>
                      <span className="font-mono">{upstream.item.state}</span> — {ITEM_STATES[upstream.item.state] ?? upstream.item.state}
                    </span>,
                  ],
                ] as [string, React.ReactNode][])
              : []),
            ...(pending.length > 0
              ? ([
                  [
                    "Pending update",
                    <span key="p">
                      changes {[...new Set(pending.map((c) => c.field))].join(", ")}
                      {pending.some((c) => c.conflict) && " (conflicts with your edits)"} ·{" "}
                      <Link href="/review#pending-updates" className="text-indigo-700 hover:underline">
                        review it
                      </Link>
                    </span>,
                  ],
                ] as [string, React.ReactNode][])
              : []),
            [
              "Overridden fields",
              overrides.length > 0 ? (
                <span data-testid="overridden-fields">
                  <TagList items={overrides.map((f) => UPSTREAM_FIELD_LABELS[f])} />
                  <span className="mt-1 block text-xs text-slate-500">
                    Edited here after import: upstream changes leave them as they are and show as conflicts.
                  </span>
                </span>
              ) : (
                none
              ),
            ],
          ]}
        />
      </div>
    </Panel>
  );
}

function Overview({ server, registry, upstream }: { server: McpServer; registry: RegistryStanding; upstream: Upstream }) {
  const provenance = server.provenance;
  return (
    <div className="grid gap-6 lg:grid-cols-5">
      <Panel title="Description" className="lg:col-span-3">
        {server.description.trim() ? <Markdown source={server.description} /> : <p className="text-sm text-slate-500">No description.</p>}
      </Panel>
      <Panel title="Details" className="lg:col-span-2" bodyClassName="px-5 py-2">
        <Details
          items={[
            ["Categories", server.categories.length ? <TagList items={server.categories} /> : none],
            ["Capabilities", server.capabilities.length ? <TagList items={server.capabilities} /> : none],
            [
              "Scope",
              server.scope === "personal" ? (
                <>
                  {SCOPE_LABELS.personal}:{" "}
                  {server.ownerTenant ? (
                    <>
                      only tenant{" "}
                      <Link href={`/tenants/${server.ownerTenant}`} className="font-mono underline">
                        {server.ownerTenant}
                      </Link>
                    </>
                  ) : (
                    <span className="text-amber-800">no owner tenant, so nobody can be granted it</span>
                  )}
                </>
              ) : (
                SCOPE_LABELS[server.scope]
              ),
            ],
            ["User type", USER_TYPE_LABELS[server.serverUserType]],
            ["Transport", server.transport],
            ["Icon", server.icon ? <ExternalLink href={server.icon} /> : none],
            ["Repository", server.repoUrl ? <ExternalLink href={server.repoUrl} /> : none],
            [
              "Provenance",
              provenance ? (
                <>
                  {provenance.format}: <span className="font-mono">{provenance.upstreamName}</span>
                  {provenance.upstreamVersion && ` ${provenance.upstreamVersion}`}
                </>
              ) : (
                "Created by hand"
              ),
            ],
            ...(server.package
              ? ([
                  [
                    "Package",
                    <span key="p" className="font-mono">
                      {server.package.registryType}: {server.package.identifier}
                      {server.package.version && `@${server.package.version}`}
                    </span>,
                  ],
                ] as [string, React.ReactNode][])
              : []),
            ["Source", server.sourceId ? <span className="font-mono">{server.sourceId}</span> : "Manual"],
            [
              "MCP Registry view",
              registry.included ? (
                <span key="r" className="font-mono">
                  {registry.registryName}
                </span>
              ) : (
                <span key="r">Left out: {registry.reasons.join("; ")}</span>
              ),
            ],
            ["Created", <Who key="c" who={server.createdBy} at={server.createdAt} />],
            ["Updated", <Who key="u" who={server.updatedBy} at={server.updatedAt} />],
            [
              "Version",
              <span key="v" className="tabular-nums">
                {server.version}
              </span>,
            ],
          ]}
        />
      </Panel>
      {(server.sourceId || server.provenance) && <UpstreamPanel server={server} upstream={upstream} />}
    </div>
  );
}

function RuntimePanel({ server }: { server: McpServer }) {
  const canEdit = useCan("editor");
  const runtime = server.runtime;
  if (!runtime) {
    return (
      <Panel>
        <p className="text-sm text-slate-700">
          No runtime yet: set a remote URL, an npx or uvx package, or a container image before publishing.{" "}
          {canEdit && (
            <Link href={`/servers/${server.name}/edit`} className="font-medium text-indigo-700 underline">
              Edit the server
            </Link>
          )}
        </p>
      </Panel>
    );
  }
  return (
    <Panel title={`${RUNTIME_LABELS[runtime.type]} runtime`} bodyClassName="px-5 py-2">
      <Details items={[["Transport", server.transport], ...runtimeItems(runtime)]} />
    </Panel>
  );
}

function runtimeItems(runtime: Runtime): [string, React.ReactNode][] {
  const mono = (text: string) => <span className="break-all font-mono">{text}</span>;
  const args = (list: string[]) => (list.length ? <ArgList args={list} /> : none);
  const egress: [string, React.ReactNode][] =
    "egressDomains" in runtime && (runtime.egressDomains || runtime.denyAllEgress !== undefined)
      ? [
          ["Egress domains", runtime.egressDomains?.length ? <TagList items={runtime.egressDomains} /> : none],
          ["Deny all egress", runtime.denyAllEgress ? "yes" : "no"],
        ]
      : [];
  switch (runtime.type) {
    case "remote":
      return [
        runtime.fixedURL !== undefined
          ? ["Fixed URL", mono(runtime.fixedURL)]
          : runtime.hostname !== undefined
            ? [
                "Hostname",
                <>
                  {mono(runtime.hostname)} <span className="text-slate-500">(each user enters a URL on this host)</span>
                </>,
              ]
            : [
                "URL template",
                <>
                  {mono(runtime.urlTemplate ?? "")} <span className="text-slate-500">(completed per user)</span>
                </>,
              ],
        ["Headers", runtime.headers.length ? `${runtime.headers.length} declared (see Environment & headers)` : none],
        ...(runtime.staticOAuthRequired !== undefined
          ? ([["Static OAuth required", runtime.staticOAuthRequired ? "yes" : "no"]] as [string, React.ReactNode][])
          : []),
      ];
    case "npx":
      return [["Package", mono(runtime.package)], ["Arguments", args(runtime.args)], ...egress];
    case "uvx":
      return [["Package", mono(runtime.package)], ["Command", runtime.command ? mono(runtime.command) : none], ["Arguments", args(runtime.args)], ...egress];
    case "containerized":
      return [
        ["Image", mono(runtime.image)],
        [
          "Port",
          <span key="port" className="tabular-nums">
            {runtime.port}
          </span>,
        ],
        ["Path", mono(runtime.path)],
        ["Command", runtime.command ? mono(runtime.command) : none],
        ["Arguments", args(runtime.args)],
        ...egress,
      ];
  }
}

function Declarations({ server }: { server: McpServer }) {
  const headers = server.runtime?.type === "remote" ? server.runtime.headers : [];
  return (
    <div className="space-y-6">
      <Panel title="Environment variables" bodyClassName="p-0">
        <DeclarationTable rows={server.env} kind="env" />
      </Panel>
      {server.runtime?.type === "remote" && (
        <Panel title="Headers" bodyClassName="p-0">
          <DeclarationTable rows={headers} kind="header" />
        </Panel>
      )}
      <p className="text-xs text-slate-500">Sensitive values are never stored in the catalog: each user supplies them in Obot when connecting.</p>
    </div>
  );
}

function DeclarationTable({ rows, kind }: { rows: (EnvDeclaration | HeaderDeclaration)[]; kind: "env" | "header" }) {
  if (rows.length === 0) {
    return <p className="px-5 py-4 text-sm text-slate-500">No {kind === "env" ? "environment variables" : "headers"} declared.</p>;
  }
  return (
    <PanelTable headers={["Key", "Name", "Description", "Flags", "Value"]}>
      {rows.map((row) => (
        <tr key={row.key} className="align-top">
          <td className="px-5 py-2 font-mono text-slate-900">{row.key}</td>
          <td className="px-5 py-2 text-slate-700">{row.name || none}</td>
          <td className="px-5 py-2 text-slate-700">{row.description || none}</td>
          <td className="px-5 py-2">
            <span className="flex flex-wrap gap-1">
              {row.required && <Tag>required</Tag>}
              {row.sensitive && <Tag tone="warn">sensitive</Tag>}
              {"file" in row && row.file && <Tag>file</Tag>}
              {"prefix" in row && row.prefix && <Tag>prefix “{row.prefix}”</Tag>}
            </span>
          </td>
          <td className="px-5 py-2 text-slate-700">
            {row.sensitive ? (
              <span className="text-slate-500">supplied by each user</span>
            ) : row.value ? (
              <span className="font-mono">{row.value}</span>
            ) : (
              <span className="text-slate-500">supplied by each user</span>
            )}
          </td>
        </tr>
      ))}
    </PanelTable>
  );
}

function ToolPreview({ server }: { server: McpServer }) {
  if (server.toolPreview.length === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-500">No tool preview. Obot shows the tools once a user connects.</p>
      </Panel>
    );
  }
  return (
    <ul className="space-y-3">
      {server.toolPreview.map((tool) => (
        <li key={tool.id ?? tool.name} className="rounded-lg bg-white px-5 py-4 shadow-xs ring-1 ring-slate-200">
          <p className="font-mono text-sm font-semibold text-slate-900">{tool.name}</p>
          {tool.description && <p className="mt-1 text-sm text-slate-700">{tool.description}</p>}
          {tool.params && Object.keys(tool.params).length > 0 && (
            <dl className="mt-3 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
              {Object.entries(tool.params).map(([param, description]) => (
                <div key={param} className="contents">
                  <dt className="font-mono text-slate-800">{param}</dt>
                  <dd className="text-slate-600">{description}</dd>
                </div>
              ))}
            </dl>
          )}
        </li>
      ))}
    </ul>
  );
}

function ObotEntry({ server, entry }: { server: McpServer; entry: unknown }) {
  if (!entry) {
    return (
      <Panel>
        <p className="text-sm text-slate-700">This server has no runtime, so there is no Obot entry for it. Set a runtime and publish it to serve one.</p>
      </Panel>
    );
  }
  const json = JSON.stringify(entry, null, 2);
  const active = server.status === "active";
  return (
    <Panel title={active ? "Served in the Obot feed" : "Served once published"} actions={<CopyButton text={json} label="Copy JSON" />}>
      <p className="mb-3 text-sm text-slate-600">
        {active ? (
          <>
            The exact entry <code className="font-mono">/api/internal/obot-registry</code> serves for this server. Obot keys it by{" "}
            <code className="font-mono">entryKey</code> and shows <code className="font-mono">name</code>.
          </>
        ) : (
          <>
            This server is {server.status === "draft" ? "a draft" : server.status}, so the feed does not serve it. Once published, the feed serves exactly this
            entry.
          </>
        )}
      </p>
      <pre data-testid="obot-entry-json" className="max-h-[32rem] overflow-auto rounded-md bg-slate-900 p-4 font-mono text-xs leading-5 text-slate-100">
        {json}
      </pre>
    </Panel>
  );
}

function TagList({ items }: { items: string[] }) {
  return (
    <span className="flex flex-wrap gap-1">
      {items.map((item) => (
        <Tag key={item}>{item}</Tag>
      ))}
    </span>
  );
}

function ArgList({ args }: { args: string[] }) {
  return (
    <ol className="space-y-0.5">
      {args.map((arg, i) => (
        <li key={i} className="break-all font-mono">
          {arg}
        </li>
      ))}
    </ol>
  );
}

function ExternalLink({ href }: { href: string }) {
  return (
    <a href={href} target="_blank" rel="noreferrer noopener" className="break-all text-indigo-700 underline hover:text-indigo-900">
      {href}
    </a>
  );
}

function Who({ who, at }: { who: string; at: string }) {
  return (
    <>
      {who}, <RelativeTime iso={at} /> <span className="text-xs text-slate-500">({exactTime(at)})</span>
    </>
  );
}
