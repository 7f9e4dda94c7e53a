"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { Controller, useForm, useWatch, type Control, type UseFormRegisterReturn, type UseFormSetValue } from "react-hook-form";
import { checkPattern, type ServerTarget } from "@/server/policy/rule-check";
import { tenantCreateInput, tenantUpdateInput, type Tenant } from "@/server/policy/model";
import { Button } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { errorMessageAt, FORM_ERROR, inputResolver, showServerErrors, type ErrorTargetOf } from "@/lib/form";
import { labelRowsOf, labelsOf, parsePatternList, type LabelRow } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { PreviewedChangeDialog } from "./change-dialog";
import { LabelEditor } from "./label-editor";
import { NameField } from "./name-field";
import { PatternCheckNote, ServerTargetOptions, useServerTargets } from "./pattern-check";
import { usePreviewedChange } from "./use-previewed-change";

interface TenantValues {
  name: string;
  displayName: string;
  team: string;
  labels: LabelRow[];
  allow: string;
  deny: string;
}

function valuesOf(tenant: Tenant | null): TenantValues {
  return {
    name: tenant?.name ?? "",
    displayName: tenant?.displayName ?? "",
    team: tenant?.team ?? "",
    labels: tenant ? labelRowsOf(tenant.labels) : [],
    allow: tenant?.mcpPolicy.allow.join("\n") ?? "",
    deny: tenant?.mcpPolicy.deny.join("\n") ?? "",
  };
}

function inputOf(values: TenantValues) {
  return {
    name: values.name.trim(),
    displayName: values.displayName,
    team: values.team,
    labels: labelsOf(values.labels),
    mcpPolicy: { allow: parsePatternList(values.allow), deny: parsePatternList(values.deny) },
  };
}

/** The tenant input's paths ("labels.team", "mcpPolicy.allow.2") on the form's fields. */
const tenantErrorTarget: ErrorTargetOf = (path, message) => {
  const [head, next] = path.split(".");
  if (head === "name" || head === "displayName" || head === "team" || head === "labels") return { field: head, message };
  if (head === "mcpPolicy" && (next === "allow" || next === "deny")) return { field: next, message };
  return { field: null, message: path ? `${path}: ${message}` : message };
};

const tenantResolvers = {
  create: inputResolver<TenantValues>(tenantCreateInput, inputOf, tenantErrorTarget, { gather: true }),
  // The name cannot change, so an edit is judged without it.
  edit: inputResolver<TenantValues>(tenantUpdateInput, (values) => ({ ...inputOf(values), name: undefined }), tenantErrorTarget, { gather: true }),
};

/** Create a tenant, or edit one (`tenant` given): the override lists can change access, so saving goes through the impact preview. */
export function TenantFormDialog({ tenant, onClose, onSaved }: { tenant: Tenant | null; onClose: () => void; onSaved?: (name: string) => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const create = useMutation(trpc.tenants.create.mutationOptions());
  const update = useMutation(trpc.tenants.update.mutationOptions());
  const {
    control,
    register,
    handleSubmit,
    setError,
    setValue,
    getValues,
    formState: { errors },
  } = useForm<TenantValues>({ resolver: tenantResolvers[tenant ? "edit" : "create"], defaultValues: valuesOf(tenant) });
  const { targets } = useServerTargets();
  const change = usePreviewedChange((input: ReturnType<typeof inputOf>, dryRun: boolean) => {
    if (!tenant) return create.mutateAsync({ tenant: input, dryRun });
    const { name: _name, ...patch } = input;
    return update.mutateAsync({ name: tenant.name, patch: { ...patch, version: tenant.version }, dryRun });
  });

  async function submit(values: TenantValues) {
    const refusal = await change.preview(inputOf(values), tenant ? "patch" : "tenant");
    if (refusal) showServerErrors(setError, refusal, tenantErrorTarget, { gather: true });
  }

  async function save() {
    if (!(await change.save())) return;
    const name = getValues("name").trim();
    toast(tenant ? `Saved tenant ${tenant.name}.` : `Created tenant ${name}.`);
    onSaved?.(name);
    onClose();
  }

  return (
    <PreviewedChangeDialog
      title={tenant ? `Edit tenant ${tenant.name}` : "Create a tenant"}
      description="A tenant is one agent pod; its name is also its ServiceAccount name."
      formId="tenant-form"
      change={change}
      formError={errorMessageAt(errors, FORM_ERROR)}
      saveLabel={tenant ? "Save tenant" : "Create tenant"}
      onClose={onClose}
      onSave={save}
    >
      <form id="tenant-form" onSubmit={handleSubmit(submit)} noValidate className="mt-5 space-y-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <NameField id="tenant-name" field={register("name")} editing={!!tenant} error={errors.name?.message} />
          <Field id="tenant-display-name" label="Display name" error={errors.displayName?.message}>
            {(p) => <input {...p} {...register("displayName")} autoComplete="off" className={inputClasses} />}
          </Field>
          <Field id="tenant-team" label="Team" error={errors.team?.message}>
            {(p) => <input {...p} {...register("team")} autoComplete="off" className={inputClasses} />}
          </Field>
        </div>
        <Controller
          control={control}
          name="labels"
          render={({ field }) => (
            <LabelEditor
              id="tenant-labels"
              legend="Labels"
              rows={field.value}
              onChange={field.onChange}
              error={errorMessageAt(errors, "labels")}
              hint="Rules with a label selector match tenants by these."
            />
          )}
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <PatternListField
            id="tenant-allow"
            label="Always allow"
            control={control}
            name="allow"
            field={register("allow")}
            setValue={setValue}
            targets={targets}
            error={errors.allow?.message}
          />
          <PatternListField
            id="tenant-deny"
            label="Always deny"
            control={control}
            name="deny"
            field={register("deny")}
            setValue={setValue}
            targets={targets}
            error={errors.deny?.message}
          />
        </div>
        <p className="text-xs text-slate-500">The tenant&apos;s own override: it decides before any rule, and deny wins over allow.</p>
      </form>
    </PreviewedChangeDialog>
  );
}

function PatternListField({
  id,
  label,
  control,
  name,
  field,
  setValue,
  targets,
  error,
}: {
  id: string;
  label: string;
  control: Control<TenantValues>;
  name: "allow" | "deny";
  field: UseFormRegisterReturn;
  setValue: UseFormSetValue<TenantValues>;
  targets: readonly ServerTarget[];
  error?: string;
}) {
  const text = useWatch({ control, name });
  const patterns = parsePatternList(text);
  // Only what looks wrong is listed: a name matching no server (with the closest one) or only servers not active yet.
  const doubtful =
    targets.length === 0 ? [] : patterns.map((pattern) => ({ pattern, check: checkPattern(pattern, targets) })).filter((p) => p.check.kind !== "matches");
  const replace = (pattern: string, server: string) => setValue(name, patterns.map((p) => (p === pattern ? server : p)).join("\n"), { shouldValidate: true });
  const add = (server: string) => {
    const next = server.trim();
    if (next && !patterns.includes(next)) setValue(name, [...patterns, next].join("\n"), { shouldValidate: true });
  };
  return (
    <div>
      <Field
        id={id}
        label={label}
        error={error}
        hint={
          <>
            Server names or globs such as github-*, one per line.
            {doubtful.map(({ pattern, check }) => (
              <PatternCheckNote key={pattern} pattern={pattern} check={check} onUse={(server) => replace(pattern, server)} />
            ))}
          </>
        }
      >
        {(p) => <textarea {...p} {...field} rows={3} className={`${inputClasses} font-mono`} />}
      </Field>
      <AddServerInput id={`${id}-add`} list={label.toLowerCase()} targets={targets} onAdd={add} />
    </div>
  );
}

/** A name picked from the catalog's suggestions, appended to the list on Enter or Add. */
function AddServerInput({ id, list, targets, onAdd }: { id: string; list: string; targets: readonly ServerTarget[]; onAdd: (name: string) => void }) {
  const [value, setValue] = useState("");
  const submit = () => {
    onAdd(value);
    setValue("");
  };
  return (
    <div className="mt-2 flex gap-2">
      <input
        aria-label={`Add a server to ${list}`}
        value={value}
        onChange={(e) => setValue(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            submit();
          }
        }}
        list={`${id}-names`}
        placeholder="Add a server…"
        autoComplete="off"
        className={`${inputClasses} font-mono`}
      />
      <ServerTargetOptions id={`${id}-names`} targets={targets} />
      <Button type="button" size="sm" onClick={submit} disabled={!value.trim()} aria-label={`Add to ${list}`}>
        Add
      </Button>
    </div>
  );
}
