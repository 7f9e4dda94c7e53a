"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { Controller, useForm } from "react-hook-form";
import { groupCreateInput, groupUpdateInput, type Group } from "@/server/policy/model";
import { Field, inputClasses } from "@/components/ui/field";
import { LoadError } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { errorMessageAt, FORM_ERROR, inputResolver, showServerErrors, type ErrorTargetOf } from "@/lib/form";
import { useTRPC } from "@/trpc/react";
import { PreviewedChangeDialog } from "./change-dialog";
import { MembersPicker } from "./members-picker";
import { NameField } from "./name-field";
import { usePreviewedChange } from "./use-previewed-change";

interface GroupInput {
  name: string;
  description: string;
  members: string[];
}

const inputOf = (values: GroupInput): GroupInput => ({ ...values, name: values.name.trim() });

/** The group input's paths ("members.3") on the form's fields. */
const groupErrorTarget: ErrorTargetOf = (path, message) => {
  const head = path.split(".")[0] ?? "";
  if (head === "name" || head === "description" || head === "members") return { field: head, message };
  return { field: null, message: path ? `${path}: ${message}` : message };
};

const groupResolvers = {
  create: inputResolver<GroupInput>(groupCreateInput, inputOf, groupErrorTarget, { gather: true }),
  // The name cannot change, so an edit is judged without it.
  edit: inputResolver<GroupInput>(groupUpdateInput, ({ description, members }) => ({ description, members }), groupErrorTarget, { gather: true }),
};

/** Create a group, or edit one (`group` given): membership can change access, so saving goes through the impact preview. */
export function GroupFormDialog({ group, onClose }: { group: Group | null; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const tenants = useQuery(trpc.tenants.list.queryOptions({}));
  const create = useMutation(trpc.groups.create.mutationOptions());
  const update = useMutation(trpc.groups.update.mutationOptions());
  const {
    control,
    register,
    handleSubmit,
    setError,
    getValues,
    formState: { errors },
  } = useForm<GroupInput>({
    resolver: groupResolvers[group ? "edit" : "create"],
    defaultValues: { name: group?.name ?? "", description: group?.description ?? "", members: group?.members ?? [] },
  });
  const change = usePreviewedChange((input: GroupInput, dryRun: boolean) =>
    group
      ? update.mutateAsync({ name: group.name, patch: { description: input.description, members: input.members, version: group.version }, dryRun })
      : create.mutateAsync({ group: input, dryRun }),
  );

  async function submit(values: GroupInput) {
    const refusal = await change.preview(inputOf(values), group ? "patch" : "group");
    if (refusal) showServerErrors(setError, refusal, groupErrorTarget, { gather: true });
  }

  async function save() {
    if (!(await change.save())) return;
    toast(group ? `Saved group ${group.name}.` : `Created group ${getValues("name").trim()}.`);
    onClose();
  }

  return (
    <PreviewedChangeDialog
      title={group ? `Edit group ${group.name}` : "Create a group"}
      description="Rules granted to a group apply to all its members; membership changes can change access."
      formId="group-form"
      change={change}
      formError={errorMessageAt(errors, FORM_ERROR)}
      saveLabel={group ? "Save group" : "Create group"}
      onClose={onClose}
      onSave={save}
    >
      <form id="group-form" onSubmit={handleSubmit(submit)} noValidate className="mt-5 space-y-4">
        <NameField id="group-name" field={register("name")} editing={!!group} error={errors.name?.message} />
        <Field id="group-description" label="Description" error={errors.description?.message}>
          {(p) => <input {...p} {...register("description")} autoComplete="off" className={inputClasses} />}
        </Field>
        {tenants.isError ? (
          <LoadError what="the tenants" error={tenants.error} />
        ) : (
          <Controller
            control={control}
            name="members"
            render={({ field }) => (
              <MembersPicker
                id="group-members"
                tenants={tenants.data?.map((t) => t.name) ?? []}
                value={field.value}
                onChange={field.onChange}
                error={errorMessageAt(errors, "members")}
              />
            )}
          />
        )}
      </form>
    </PreviewedChangeDialog>
  );
}
