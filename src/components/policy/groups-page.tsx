"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { Group } from "@/server/policy/model";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/panel";
import { EmptyState, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useTRPC } from "@/trpc/react";
import { DeleteWithImpactDialog } from "./delete-dialog";
import { GroupFormDialog } from "./group-form";
import { ACTIONS_COLUMN, RowActions } from "./row-actions";
import { TagList, tenantHref } from "./tag-list";

type Dialogs = { kind: "create" } | { kind: "edit"; group: Group } | { kind: "delete"; group: Group };

export function GroupsPage() {
  const trpc = useTRPC();
  const groups = useQuery(trpc.groups.list.queryOptions());
  const canEdit = useCan("editor");
  const [dialog, setDialog] = useState<Dialogs | null>(null);
  const close = () => setDialog(null);

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
      ) : groups.data.length === 0 ? (
        <EmptyState title="No groups yet">Group tenants (a department, a project) to grant them servers with one rule.</EmptyState>
      ) : (
        <FramedTable caption="Groups, by name" columns={["Group", "Members", canEdit && ACTIONS_COLUMN]}>
          {groups.data.map((group) => (
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
                <TagList items={group.members} hrefOf={tenantHref} />
              </td>
              {canEdit && (
                <RowActions label={group.name} onEdit={() => setDialog({ kind: "edit", group })} onDelete={() => setDialog({ kind: "delete", group })} />
              )}
            </tr>
          ))}
        </FramedTable>
      )}
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
