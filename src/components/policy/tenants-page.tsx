"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Tenant } from "@/server/policy/model";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { ListCount, Pager, pageCountOf, SearchBox, SortControl, useListView } from "@/components/ui/paged-list";
import { PageHeader } from "@/components/ui/panel";
import { EmptyState, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { TENANTS_LIST } from "@/lib/list-specs";
import { pageQueryOf } from "@/lib/list-url";
import { formatLabels } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { DeleteWithImpactDialog } from "./delete-dialog";
import { ACTIONS_COLUMN, RowActions } from "./row-actions";
import { groupHref, TagList } from "./tag-list";
import { TenantFormDialog } from "./tenant-form";

type Dialogs = { kind: "create" } | { kind: "edit"; tenant: Tenant } | { kind: "delete"; tenant: Tenant };

const SORT_OPTIONS = [
  { value: "name", label: "Name" },
  { value: "team", label: "Team" },
  { value: "updated", label: "Last changed" },
] as const;

/**
 * The tenants, filtered, sorted and paged by the server (tenants.page). The view lives in the URL
 * (`?q=…&page=…`): a label-selector rule links to the tenants it selects.
 */
export function TenantsPage() {
  const trpc = useTRPC();
  const router = useRouter();
  const { view, change } = useListView(TENANTS_LIST);
  const tenants = useQuery(trpc.tenants.page.queryOptions(pageQueryOf(view), { placeholderData: keepPreviousData }));
  const canEdit = useCan("editor");
  const [dialog, setDialog] = useState<Dialogs | null>(null);
  const close = () => setDialog(null);
  const page = tenants.data;

  return (
    <>
      <PageHeader
        title="Tenants"
        description="The agent pods that use MCP servers. Each receives its contract: which servers it may use, and its TOOLS.md."
        actions={
          canEdit && (
            <Button variant="primary" onClick={() => setDialog({ kind: "create" })}>
              Create tenant
            </Button>
          )
        }
      />
      {tenants.isPending ? (
        <Loading what="tenants" />
      ) : tenants.isError ? (
        <LoadError what="the tenants" error={tenants.error} />
      ) : page && page.all === 0 ? (
        <EmptyState title="No tenants yet">
          A tenant is one agent pod. {canEdit ? "Create one here" : "Editors create them here"}, or automation registers them with{" "}
          <code className="font-mono">POST /api/v1/tenants</code>.
        </EmptyState>
      ) : page ? (
        <>
          <div role="search" aria-label="Filter tenants" className="mb-3 flex flex-wrap items-end justify-between gap-3">
            <SearchBox
              id="tenants-search"
              label="Search tenants"
              value={view.q}
              placeholder="Search name, team, label or group"
              onSearch={(q) => change({ q }, "replace")}
              className="w-full max-w-sm text-sm"
            />
            {(view.filters.group || view.filters.label) && (
              <p className="flex items-center gap-2 text-sm text-slate-700">
                <span>{view.filters.group ? `Members of ${view.filters.group}` : `Labelled ${view.filters.label}`}</span>
                <Button size="sm" variant="ghost" onClick={() => change({ filters: { group: "", label: "" } })}>
                  Clear
                </Button>
              </p>
            )}
            <SortControl id="tenants-sort" sort={view.sort} order={view.order} options={SORT_OPTIONS} onChange={(sort, order) => change({ sort, order })} />
            <ListCount shown={page.total} total={page.all} noun="tenant" busy={tenants.isPlaceholderData} />
          </div>
          {page.items.length === 0 ? (
            <EmptyState title="No tenant matches this search" />
          ) : (
            <>
              <FramedTable
                caption="Tenants"
                busy={tenants.isPlaceholderData}
                columns={["Tenant", "Team", "Labels", "Groups", { label: "Allowed servers", right: true }, canEdit && ACTIONS_COLUMN]}
              >
                {page.items.map((tenant) => (
                  <tr key={tenant.name}>
                    <th scope="row" className={`${tableClasses.td} font-normal`}>
                      <Link href={`/tenants/${tenant.name}`} className="font-mono font-medium text-indigo-700 hover:underline">
                        {tenant.name}
                      </Link>
                      {tenant.displayName && <span className="block text-slate-600">{tenant.displayName}</span>}
                    </th>
                    <td className={tableClasses.td}>{tenant.team || <span className="text-slate-400">—</span>}</td>
                    <td className={tableClasses.td}>
                      <TagList items={formatLabels(tenant.labels)} />
                    </td>
                    <td className={tableClasses.td}>
                      <TagList items={tenant.groups} hrefOf={groupHref} />
                    </td>
                    <td className={`${tableClasses.td} text-right tabular-nums`}>{tenant.allowed}</td>
                    {canEdit && (
                      <RowActions
                        label={tenant.name}
                        onEdit={() => setDialog({ kind: "edit", tenant })}
                        onDelete={() => setDialog({ kind: "delete", tenant })}
                      />
                    )}
                  </tr>
                ))}
              </FramedTable>
              <Pager page={view.page} pageCount={pageCountOf(page.total)} onPage={(p) => change({ page: p })} label="Tenant pages" />
            </>
          )}
        </>
      ) : null}
      {dialog?.kind === "create" && <TenantFormDialog tenant={null} onClose={close} onSaved={(name) => router.push(`/tenants/${name}`)} />}
      {dialog?.kind === "edit" && <TenantFormDialog tenant={dialog.tenant} onClose={close} />}
      {dialog?.kind === "delete" && <DeleteTenantDialog name={dialog.tenant.name} onClose={close} />}
    </>
  );
}

export function DeleteTenantDialog({ name, onClose, onDeleted }: { name: string; onClose: () => void; onDeleted?: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const remove = useMutation(trpc.tenants.delete.mutationOptions());
  return (
    <DeleteWithImpactDialog
      title={`Delete tenant ${name}?`}
      description={<p>Its rules are deleted with it, and its pod gets no contract any more (404). The audit log keeps its history.</p>}
      run={(dryRun) => remove.mutateAsync({ name, dryRun })}
      onDeleted={() => {
        toast(`Deleted tenant ${name}.`);
        onDeleted?.();
        onClose();
      }}
      onClose={onClose}
    />
  );
}
