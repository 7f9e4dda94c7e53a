"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { Tenant } from "@/server/policy/model";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/panel";
import { EmptyState, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { formatLabels, tenantMatches } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { DeleteWithImpactDialog } from "./delete-dialog";
import { ACTIONS_COLUMN, RowActions } from "./row-actions";
import { groupHref, TagList } from "./tag-list";
import { TenantFormDialog } from "./tenant-form";

type Dialogs = { kind: "create" } | { kind: "edit"; tenant: Tenant } | { kind: "delete"; tenant: Tenant };

/** `initialSearch` comes from the URL (`?q=…`): a label-selector rule links to the tenants it selects. */
export function TenantsPage({ initialSearch }: { initialSearch: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const tenants = useQuery(trpc.tenants.list.queryOptions({}));
  const canEdit = useCan("editor");
  const [search, setSearch] = useState(initialSearch);
  const [dialog, setDialog] = useState<Dialogs | null>(null);
  const close = () => setDialog(null);
  const list = tenants.data ?? [];
  const shown = list.filter((t) => tenantMatches(t, search));

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
      ) : list.length === 0 ? (
        <EmptyState title="No tenants yet">
          A tenant is one agent pod. {canEdit ? "Create one here" : "Editors create them here"}, or automation registers them with{" "}
          <code className="font-mono">POST /api/v1/tenants</code>.
        </EmptyState>
      ) : (
        <>
          <div className="mb-3 flex flex-wrap items-center justify-between gap-3">
            <label className="w-full max-w-sm">
              <span className="sr-only">Search tenants</span>
              <input
                type="search"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
                placeholder="Search name, team, label or group"
                className={inputClasses}
              />
            </label>
            <p aria-live="polite" className="text-sm text-slate-600">
              {shown.length} of {list.length} tenant{list.length === 1 ? "" : "s"}
            </p>
          </div>
          {shown.length === 0 ? (
            <EmptyState title="No tenant matches this search" />
          ) : (
            <FramedTable
              caption="Tenants, by name"
              columns={["Tenant", "Team", "Labels", "Groups", { label: "Allowed servers", right: true }, canEdit && ACTIONS_COLUMN]}
            >
              {shown.map((tenant) => (
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
                  <td className={`${tableClasses.td} text-right tabular-nums`}>{tenant.allowedServers.length}</td>
                  {canEdit && (
                    <RowActions label={tenant.name} onEdit={() => setDialog({ kind: "edit", tenant })} onDelete={() => setDialog({ kind: "delete", tenant })} />
                  )}
                </tr>
              ))}
            </FramedTable>
          )}
        </>
      )}
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
