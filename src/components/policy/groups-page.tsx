"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { Group } from "@/server/policy/model";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { ListCount, Pager, pageCountOf, SearchBox, SortControl, useListView } from "@/components/ui/paged-list";
import { PageHeader } from "@/components/ui/panel";
import { EmptyState, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { GROUPS_LIST } from "@/lib/list-specs";
import { pageQueryOf } from "@/lib/list-url";
import { useTRPC } from "@/trpc/react";
import { DeleteWithImpactDialog } from "./delete-dialog";
import { GroupFormDialog } from "./group-form";
import { ACTIONS_COLUMN, RowActions } from "./row-actions";
import { TagList, tenantHref } from "./tag-list";

type Dialogs = { kind: "create" } | { kind: "edit"; group: Group } | { kind: "delete"; group: Group };

const SORT_OPTIONS = [
  { value: "name", label: "Name" },
  { value: "members", label: "Members" },
  { value: "updated", label: "Last changed" },
] as const;

/** Members shown per group; the rest are a link to the tenant list filtered to the group. */
const MEMBERS_SHOWN = 24;

/** The groups, filtered, sorted and paged by the server (groups.page); the view lives in the URL. */
export function GroupsPage() {
  const trpc = useTRPC();
  const { view, change } = useListView(GROUPS_LIST);
  const groups = useQuery(trpc.groups.page.queryOptions(pageQueryOf(view), { placeholderData: keepPreviousData }));
  const canEdit = useCan("editor");
  const [dialog, setDialog] = useState<Dialogs | null>(null);
  const close = () => setDialog(null);
  const page = groups.data;

  return (
    <>
      <PageHeader
        title="Groups"
        description="Named sets of tenants that rules can grant to at once."
        actions={
          canEdit && (
            <Button variant="primary" onClick={() => setDialog({ kind: "create" })}>
              Create group
            </Button>
          )
        }
      />
      {groups.isPending ? (
        <Loading what="groups" />
      ) : groups.isError ? (
        <LoadError what="the groups" error={groups.error} />
      ) : page && page.all === 0 ? (
        <EmptyState title="No groups yet">Group tenants (a department, a project) to grant them servers with one rule.</EmptyState>
      ) : page ? (
        <>
          <div role="search" aria-label="Filter groups" className="mb-3 flex flex-wrap items-end justify-between gap-3">
            <SearchBox
              id="groups-search"
              label="Search groups"
              value={view.q}
              placeholder="Name or description"
              onSearch={(q) => change({ q }, "replace")}
              className="w-full max-w-sm text-sm"
            />
            <SortControl id="groups-sort" sort={view.sort} order={view.order} options={SORT_OPTIONS} onChange={(sort, order) => change({ sort, order })} />
            <ListCount shown={page.total} total={page.all} noun="group" busy={groups.isPlaceholderData} />
          </div>
          {page.items.length === 0 ? (
            <EmptyState title="No group matches this search" />
          ) : (
            <>
              <FramedTable caption="Groups" busy={groups.isPlaceholderData} columns={["Group", "Members", canEdit && ACTIONS_COLUMN]}>
                {page.items.map((group) => (
                  <tr key={group.name} id={`group-${group.name}`} className="scroll-mt-4 target:bg-indigo-50">
                    <th scope="row" className={`${tableClasses.td} font-normal`}>
                      <span className="block font-mono font-medium text-slate-900">{group.name}</span>
                      {group.description && <span className="block text-slate-600">{group.description}</span>}
                      <span className="mt-1 flex gap-3 text-xs">
                        <Link href={`/rules?group=${encodeURIComponent(group.name)}`} className="text-indigo-700 hover:underline">
                          Its rules
                        </Link>
                        <Link href={`/access?group=${encodeURIComponent(group.name)}`} className="text-indigo-700 hover:underline">
                          Its access matrix
                        </Link>
                      </span>
                    </th>
                    <td className={tableClasses.td}>
                      <span className="mb-1 block text-xs text-slate-500">
                        {group.members.length} tenant{group.members.length === 1 ? "" : "s"}
                      </span>
                      <TagList items={group.members} hrefOf={tenantHref} max={MEMBERS_SHOWN} moreHref={`/tenants?group=${encodeURIComponent(group.name)}`} />
                    </td>
                    {canEdit && (
                      <RowActions label={group.name} onEdit={() => setDialog({ kind: "edit", group })} onDelete={() => setDialog({ kind: "delete", group })} />
                    )}
                  </tr>
                ))}
              </FramedTable>
              <Pager page={view.page} pageCount={pageCountOf(page.total)} onPage={(p) => change({ page: p })} label="Group pages" />
            </>
          )}
        </>
      ) : null}
      {dialog?.kind === "create" && <GroupFormDialog group={null} onClose={close} />}
      {dialog?.kind === "edit" && <GroupFormDialog group={dialog.group} onClose={close} />}
      {dialog?.kind === "delete" && <DeleteGroupDialog name={dialog.group.name} onClose={close} />}
    </>
  );
}

function DeleteGroupDialog({ name, onClose }: { name: string; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const remove = useMutation(trpc.groups.delete.mutationOptions());
  return (
    <DeleteWithImpactDialog
      title={`Delete group ${name}?`}
      description={<p>Rules granted to this group are deleted with it; its tenants stay.</p>}
      run={(dryRun) => remove.mutateAsync({ name, dryRun })}
      onDeleted={() => {
        toast(`Deleted group ${name}.`);
        onClose();
      }}
      onClose={onClose}
    />
  );
}
