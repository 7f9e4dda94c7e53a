"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { groupCreateInput, groupUpdateInput, type Group } from "@/server/policy/model";
import { Field, inputClasses } from "@/components/ui/field";
import { LoadError } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { errorsUnder, fieldErrorsFrom } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { PreviewedChangeDialog } from "./change-dialog";
import { MembersPicker } from "./members-picker";
import { usePreviewedChange } from "./use-previewed-change";

interface GroupInput {
  name: string;
  description: string;
  members: string[];
}

/** Create a group, or edit one (`group` given): membership can change access, so saving goes through the impact preview. */
export function GroupFormDialog({ group, onClose }: { group: Group | null; onClose: () => void }) {
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
  const change = usePreviewedChange((input: GroupInput, dryRun: boolean) =>
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
