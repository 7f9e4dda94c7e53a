"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { groupCreateInput, groupUpdateInput, type Group } from "@/server/policy/model";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/panel";
import { useToast } from "@/components/ui/toast";
import { errorsUnder, fieldErrorsFrom, firstMessages } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { PreviewedChangeDialog } from "./change-dialog";
import { DeleteWithImpactDialog } from "./delete-dialog";
import { MembersPicker } from "./members-picker";
import { EmptyState, LoadError, tableClasses } from "./states";
import { TagList } from "./tag-list";
import { usePreviewedChange } from "./use-previewed-change";

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
        <p className="text-sm text-slate-500">Loading groups…</p>
      ) : groups.isError ? (
        <LoadError what="the groups" error={groups.error} />
      ) : groups.data.length === 0 ? (
        <EmptyState title="No groups yet">Group tenants (a department, a project) to grant them servers with one rule.</EmptyState>
      ) : (
        <div className={tableClasses.frame}>
          <table className={tableClasses.table}>
            <caption className="sr-only">Groups, by name</caption>
            <thead className={tableClasses.head}>
              <tr>
                <th scope="col" className={tableClasses.th}>Group</th>
                <th scope="col" className={tableClasses.th}>Members</th>
                {canEdit && (
                  <th scope="col" className={tableClasses.th}>
                    <span className="sr-only">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {groups.data.map((group) => (
                <tr key={group.name}>
                  <th scope="row" className={`${tableClasses.td} font-normal`}>
                    <span className="block font-mono font-medium text-slate-900">{group.name}</span>
                    {group.description && <span className="block text-slate-600">{group.description}</span>}
                  </th>
                  <td className={tableClasses.td}>
                    <span className="mb-1 block text-xs text-slate-500">
                      {group.members.length} tenant{group.members.length === 1 ? "" : "s"}
                    </span>
                    <TagList items={group.members} />
                  </td>
                  {canEdit && (
                    <td className={tableClasses.td}>
                      <div className="flex justify-end gap-1.5">
                        <Button size="sm" onClick={() => setDialog({ kind: "edit", group })} aria-label={`Edit ${group.name}`}>
                          Edit
                        </Button>
                        <Button
                          size="sm"
                          variant="ghost"
                          className="text-red-700 hover:bg-red-50"
                          onClick={() => setDialog({ kind: "delete", group })}
                          aria-label={`Delete ${group.name}`}
                        >
                          Delete
                        </Button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {dialog?.kind === "create" && <GroupFormDialog group={null} onClose={close} />}
      {dialog?.kind === "edit" && <GroupFormDialog group={dialog.group} onClose={close} />}
      {dialog?.kind === "delete" && <DeleteGroupDialog name={dialog.group.name} onClose={close} />}
    </>
  );
}

function GroupFormDialog({ group, onClose }: { group: Group | null; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const tenants = useQuery(trpc.tenants.list.queryOptions({}));
  const create = useMutation(trpc.groups.create.mutationOptions());
  const update = useMutation(trpc.groups.update.mutationOptions());
  const [name, setName] = useState(group?.name ?? "");
  const [description, setDescription] = useState(group?.description ?? "");
  const [members, setMembers] = useState<string[]>(group?.members ?? []);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  type Input = { name: string; description: string; members: string[] };
  const change = usePreviewedChange((input: Input, dryRun: boolean) =>
    group
      ? update.mutateAsync({ name: group.name, patch: { description: input.description, members: input.members, version: group.version }, dryRun })
      : create.mutateAsync({ group: input, dryRun }),
  );

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setFormError(null);
    const input = { name: name.trim(), description, members };
    const parsed = group ? groupUpdateInput.safeParse({ description, members }) : groupCreateInput.safeParse(input);
    if (!parsed.success) return setErrors(fieldErrorsFrom(parsed.error.issues));
    setErrors({});
    const refusal = await change.preview(input, group ? "patch" : "group");
    if (refusal) {
      setErrors(refusal.fieldErrors);
      setFormError(refusal.formError);
    }
  }

  async function save() {
    if (!(await change.save())) return;
    toast(group ? `Saved group ${group.name}.` : `Created group ${name.trim()}.`);
    onClose();
  }

  return (
    <PreviewedChangeDialog
      title={group ? `Edit group ${group.name}` : "Create a group"}
      description="Rules granted to a group apply to all its members; membership changes can change access."
      formId="group-form"
      impact={change.impact}
      pending={change.pending}
      error={change.error}
      formError={formError}
      saveLabel={group ? "Save group" : "Create group"}
      onClose={onClose}
      onBack={change.back}
      onSave={save}
    >
      <form id="group-form" onSubmit={submit} noValidate className="mt-5 space-y-4">
        <Field id="group-name" label="Name" required error={errors.name} hint={group ? "Names cannot change." : "Lowercase letters, digits and '-'."}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} readOnly={!!group} data-autofocus autoComplete="off" className={inputClasses} />}
        </Field>
        <Field id="group-description" label="Description" error={errors.description}>
          {(p) => <input {...p} value={description} onChange={(e) => setDescription(e.target.value)} autoComplete="off" className={inputClasses} />}
        </Field>
        {tenants.isError ? (
          <LoadError what="the tenants" error={tenants.error} />
        ) : (
          <MembersPicker
            id="group-members"
            tenants={tenants.data?.map((t) => t.name) ?? []}
            value={members}
            onChange={setMembers}
            error={errorsUnder(errors, "members").join("\n") || undefined}
          />
        )}
      </form>
    </PreviewedChangeDialog>
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
