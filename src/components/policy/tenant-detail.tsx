"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { TenantContract } from "@/server/policy/contract";
import { TenantHistory } from "@/components/audit/entity-history";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { inputClasses } from "@/components/ui/field";
import { Markdown } from "@/components/ui/markdown";
import { DetailHeader, Details, Panel } from "@/components/ui/panel";
import { ListCount, Pager, pageCountOf, SearchBox, useListView } from "@/components/ui/paged-list";
import { EmptyState, FramedTable, LoadError, Loading, QueryError, tableClasses } from "@/components/ui/states";
import { Tabs } from "@/components/ui/tabs";
import { tenantAccessList } from "@/lib/list-specs";
import { pageQueryOf } from "@/lib/list-url";
import { formatLabels } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { ExplanationDialog } from "./explanation";
import { groupHref, TagList } from "./tag-list";
import { TenantFormDialog } from "./tenant-form";
import { TenantTokens } from "./tenant-tokens";
import { DeleteTenantDialog } from "./tenants-page";
import { TierBadge, tierOf } from "./tier";

export function TenantDetail({ name, initialTab }: { name: string; /** The tab the address names (`?tab=`). */ initialTab?: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const query = useQuery(trpc.tenants.summary.queryOptions({ name }));
  const canEdit = useCan("editor");
  const isAdmin = useCan("admin");
  const [dialog, setDialog] = useState<"edit" | "delete" | null>(null);

  if (query.isPending) return <Loading />;
  if (query.isError) return <QueryError error={query.error} what={`Tenant '${name}'`} back={{ href: "/tenants", label: "Back to the tenants" }} />;

  const { tenant, allowed, servers } = query.data;
  return (
    <>
      <DetailHeader
        crumbs={[{ href: "/tenants", label: "Tenants" }]}
        current={<span className="font-mono">{tenant.name}</span>}
        title={tenant.displayName || tenant.name}
        actions={
          canEdit && (
            <div className="flex gap-2">
              <Button onClick={() => setDialog("edit")}>Edit</Button>
              <Button variant="quiet-danger" onClick={() => setDialog("delete")}>
                Delete
              </Button>
            </div>
          )
        }
      >
        <p className="mt-1 font-mono text-sm text-slate-600">{tenant.name}</p>
        <p className="mt-2 text-sm text-slate-700">
          May use {allowed} of {servers} active server{servers === 1 ? "" : "s"}.
        </p>
      </DetailHeader>
      <Tabs
        label="Tenant"
        urlParam="tab"
        initial={initialTab}
        tabs={[
          {
            id: "access",
            label: "Effective access",
            content: (
              <div className="grid items-start gap-6 lg:grid-cols-[2fr_1fr]">
                <AccessTable tenant={tenant.name} />
                <Panel title="Tenant">
                  <Details
                    items={[
                      ["Team", tenant.team || "—"],
                      ["Labels", <TagList key="labels" items={formatLabels(tenant.labels)} />],
                      ["Groups", <TagList key="groups" items={tenant.groups} hrefOf={groupHref} />],
                      ["Always allow", <TagList key="allow" items={tenant.mcpPolicy.allow} />],
                      ["Always deny", <TagList key="deny" items={tenant.mcpPolicy.deny} />],
                      [
                        "Rules",
                        <Link key="rules" href={`/rules?tenant=${encodeURIComponent(tenant.name)}`} className="text-indigo-700 hover:underline">
                          Rules naming this tenant
                        </Link>,
                      ],
                    ]}
                  />
                </Panel>
              </div>
            ),
          },
          { id: "contract", label: "Contract", content: <ContractTab tenant={tenant.name} /> },
          { id: "tools", label: "TOOLS.md", content: <ContractTab tenant={tenant.name} tools /> },
          ...(isAdmin ? [{ id: "tokens", label: "Tokens", content: <TenantTokens tenant={tenant.name} /> }] : []),
          { id: "history", label: "History", content: <TenantHistory name={tenant.name} /> },
        ]}
      />
      {dialog === "edit" && <TenantFormDialog tenant={tenant} onClose={() => setDialog(null)} />}
      {dialog === "delete" && <DeleteTenantDialog name={tenant.name} onClose={() => setDialog(null)} onDeleted={() => router.push("/tenants")} />}
    </>
  );
}

/**
 * The tenant's decision on each active server, filtered and paged by the server (tenants.access):
 * a tenant may see thousands. The view lives in the URL (`?q=…&decision=allow&page=…`).
 */
function AccessTable({ tenant }: { tenant: string }) {
  const trpc = useTRPC();
  const spec = tenantAccessList(tenant);
  const { view, change } = useListView(spec);
  const { sort: _sort, decision, ...query } = pageQueryOf(view);
  const access = useQuery(
    trpc.tenants.access.queryOptions(
      { name: tenant, ...query, ...(decision ? { decision: decision as "allow" | "deny" } : {}) },
      { placeholderData: keepPreviousData },
    ),
  );
  const [explaining, setExplaining] = useState<string | null>(null);
  if (access.isPending) return <Loading what="the servers" />;
  if (access.isError) return <LoadError what="the servers" error={access.error} />;
  const page = access.data;
  if (page.servers === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-600">No server is active yet, so this tenant can use none.</p>
      </Panel>
    );
  }
  return (
    <div>
      <div role="search" aria-label="Filter servers" className="mb-3 flex flex-wrap items-end gap-3">
        <SearchBox
          id="tenant-servers-search"
          label="Server name"
          value={view.q}
          placeholder="Filter servers"
          onSearch={(q) => change({ q }, "replace")}
          className="w-full max-w-xs text-sm"
        />
        <label className="text-sm">
          <span className="mb-1 block font-medium text-slate-800">Decision</span>
          <select value={view.filters.decision} onChange={(e) => change({ filters: { decision: e.target.value } })} className={inputClasses}>
            <option value="">Allowed and denied</option>
            <option value="allow">Allowed</option>
            <option value="deny">Denied</option>
          </select>
        </label>
        <ListCount shown={page.total} total={page.servers} noun="server" busy={access.isPlaceholderData} />
      </div>
      {page.items.length === 0 ? (
        <EmptyState title="No server matches these filters" />
      ) : (
        <>
          <FramedTable
            caption={`Each active server and whether ${tenant} may use it; open a server for the full explanation`}
            busy={access.isPlaceholderData}
            columns={["Server", "Decision"]}
          >
            {page.items.map((s) => (
              <tr key={s.server}>
                <th scope="row" className={`${tableClasses.td} font-normal`}>
                  <button
                    type="button"
                    onClick={() => setExplaining(s.server)}
                    className="rounded font-mono font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
                    aria-label={`Explain ${s.server}`}
                  >
                    {s.server}
                  </button>
                </th>
                <td className={tableClasses.td}>
                  <TierBadge tier={tierOf(s.tier)} />
                </td>
              </tr>
            ))}
          </FramedTable>
          <Pager page={view.page} pageCount={pageCountOf(page.total)} onPage={(p) => change({ page: p })} label="Server pages" />
        </>
      )}
      {explaining && <ExplanationDialog tenant={tenant} server={explaining} onClose={() => setExplaining(null)} />}
    </div>
  );
}

/** The contract as served (or its TOOLS.md), fetched when its tab opens: with many servers it is large. */
function ContractTab({ tenant, tools = false }: { tenant: string; tools?: boolean }) {
  const trpc = useTRPC();
  const contract = useQuery(trpc.tenants.contract.queryOptions({ name: tenant }));
  if (contract.isPending) return <Loading what="the contract" />;
  if (contract.isError) return <LoadError what="the contract" error={contract.error} />;
  const { contract: body, etag, bytes } = contract.data;
  return tools ? <ToolsMarkdown markdown={body.workspace["TOOLS.md"]} /> : <ContractView contract={body} etag={etag} bytes={bytes} />;
}

function ContractView({ contract, etag, bytes }: { contract: TenantContract; etag: string; bytes: number }) {
  const json = JSON.stringify(contract, null, 2);
  return (
    <Panel title="GET /api/internal/contract/{tenant}" actions={<CopyButton text={json} label="Copy JSON" />}>
      <p className="mb-3 text-xs text-slate-500">
        The body the tenant&apos;s pod receives (indented here), {bytes} bytes, ETag <code className="font-mono">{etag}</code>.
      </p>
      <pre data-testid="contract-json" className="max-h-[32rem] overflow-auto rounded-md bg-slate-900 p-4 font-mono text-xs text-slate-100">
        {json}
      </pre>
    </Panel>
  );
}

function ToolsMarkdown({ markdown }: { markdown: string }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Panel title="Rendered">
        <Markdown source={markdown} />
      </Panel>
      <Panel title="Raw" actions={<CopyButton text={markdown} label="Copy" />}>
        <pre className="overflow-auto whitespace-pre-wrap font-mono text-xs text-slate-800">{markdown}</pre>
      </Panel>
    </div>
  );
}
