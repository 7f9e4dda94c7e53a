"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { TenantContract } from "@/server/policy/contract";
import type { EffectiveAccess } from "@/server/snapshot/reads";
import { TenantHistory } from "@/components/audit/entity-history";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { inputClasses } from "@/components/ui/field";
import { Markdown } from "@/components/ui/markdown";
import { DetailHeader, Details, Panel } from "@/components/ui/panel";
import { EmptyState, FramedTable, Loading, QueryError, tableClasses } from "@/components/ui/states";
import { Tabs } from "@/components/ui/tabs";
import { filterAccess, formatLabels, type DecisionFilter } from "@/lib/policy-view";
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
  const query = useQuery(trpc.tenants.get.queryOptions({ name }));
  const canEdit = useCan("editor");
  const isAdmin = useCan("admin");
  const [dialog, setDialog] = useState<"edit" | "delete" | null>(null);

  if (query.isPending) return <Loading />;
  if (query.isError) return <QueryError error={query.error} what={`Tenant '${name}'`} back={{ href: "/tenants", label: "Back to the tenants" }} />;

  const { tenant, access, contract } = query.data;
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
          May use {access.allow.length} of {access.servers.length} active server{access.servers.length === 1 ? "" : "s"}.
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
                <AccessTable tenant={tenant.name} access={access} />
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
          { id: "contract", label: "Contract", content: <ContractView contract={contract.contract} etag={contract.etag} bytes={contract.bytes} /> },
          { id: "tools", label: "TOOLS.md", content: <ToolsMarkdown markdown={contract.contract.workspace["TOOLS.md"]} /> },
          ...(isAdmin ? [{ id: "tokens", label: "Tokens", content: <TenantTokens tenant={tenant.name} /> }] : []),
          { id: "history", label: "History", content: <TenantHistory name={tenant.name} /> },
        ]}
      />
      {dialog === "edit" && <TenantFormDialog tenant={tenant} onClose={() => setDialog(null)} />}
      {dialog === "delete" && <DeleteTenantDialog name={tenant.name} onClose={() => setDialog(null)} onDeleted={() => router.push("/tenants")} />}
    </>
  );
}

function AccessTable({ tenant, access }: { tenant: string; access: EffectiveAccess }) {
  const [explaining, setExplaining] = useState<string | null>(null);
  const [text, setText] = useState("");
  const [decision, setDecision] = useState<DecisionFilter>("all");
  if (access.servers.length === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-600">No server is active yet, so this tenant can use none.</p>
      </Panel>
    );
  }
  const shown = filterAccess(access.servers, text, decision);
  return (
    <div>
      <div role="search" aria-label="Filter servers" className="mb-3 flex flex-wrap items-center gap-3">
        <label className="w-full max-w-xs">
          <span className="sr-only">Server name</span>
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Filter servers" className={inputClasses} />
        </label>
        <label>
          <span className="sr-only">Decision</span>
          <select value={decision} onChange={(e) => setDecision(e.target.value as DecisionFilter)} className={inputClasses}>
            <option value="all">Allowed and denied</option>
            <option value="allow">Allowed</option>
            <option value="deny">Denied</option>
          </select>
        </label>
        <p aria-live="polite" className="text-sm text-slate-600">
          {shown.length} of {access.servers.length}
        </p>
      </div>
      {shown.length === 0 ? (
        <EmptyState title="No server matches these filters" />
      ) : (
        <FramedTable caption={`Each active server and whether ${tenant} may use it; open a server for the full explanation`} columns={["Server", "Decision"]}>
          {shown.map((s) => (
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
      )}
      {explaining && <ExplanationDialog tenant={tenant} server={explaining} onClose={() => setExplaining(null)} />}
    </div>
  );
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
