"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { tenantCreateInput, tenantUpdateInput, type Tenant } from "@/server/policy/model";
import { Field, inputClasses } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { errorsUnder, fieldErrorsFrom, labelRowsOf, labelsOf, parsePatternList, type LabelRow } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { PreviewedChangeDialog } from "./change-dialog";
import { LabelEditor } from "./label-editor";
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

/** Create a tenant, or edit one (`tenant` given): the override lists can change access, so saving goes through the impact preview. */
export function TenantFormDialog({ tenant, onClose, onSaved }: { tenant: Tenant | null; onClose: () => void; onSaved?: (name: string) => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const create = useMutation(trpc.tenants.create.mutationOptions());
  const update = useMutation(trpc.tenants.update.mutationOptions());
  const [values, setValues] = useState(() => valuesOf(tenant));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const change = usePreviewedChange((input: ReturnType<typeof inputOf>, dryRun: boolean) => {
    if (!tenant) return create.mutateAsync({ tenant: input, dryRun });
    const { name: _name, ...patch } = input;
    return update.mutateAsync({ name: tenant.name, patch: { ...patch, version: tenant.version }, dryRun });
  });
  const set = (patch: Partial<TenantValues>) => setValues((v) => ({ ...v, ...patch }));

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setFormError(null);
    const input = inputOf(values);
    const parsed = (tenant ? tenantUpdateInput : tenantCreateInput).safeParse(tenant ? { ...input, name: undefined } : input);
    if (!parsed.success) return setErrors(fieldErrorsFrom(parsed.error.issues));
    setErrors({});
    const refusal = await change.preview(input, tenant ? "patch" : "tenant");
    if (refusal) {
      setErrors(refusal.fieldErrors);
      setFormError(refusal.formError);
    }
  }

  async function save() {
    if (!(await change.save())) return;
    toast(tenant ? `Saved tenant ${tenant.name}.` : `Created tenant ${values.name.trim()}.`);
    onSaved?.(values.name.trim());
    onClose();
  }

  return (
    <PreviewedChangeDialog
      title={tenant ? `Edit tenant ${tenant.name}` : "Create a tenant"}
      description="A tenant is one agent pod; its name is also its ServiceAccount name."
      formId="tenant-form"
      impact={change.impact}
      pending={change.pending}
      error={change.error}
      formError={formError}
      saveLabel={tenant ? "Save tenant" : "Create tenant"}
      onClose={onClose}
      onBack={change.back}
      onSave={save}
    >
      <form id="tenant-form" onSubmit={submit} noValidate className="mt-5 space-y-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="tenant-name" label="Name" required error={errors.name} hint={tenant ? "Names cannot change." : "Lowercase letters, digits and '-'."}>
            {(p) => (
              <input {...p} value={values.name} onChange={(e) => set({ name: e.target.value })} readOnly={!!tenant} data-autofocus autoComplete="off" className={inputClasses} />
            )}
          </Field>
          <Field id="tenant-display-name" label="Display name" error={errors.displayName}>
            {(p) => <input {...p} value={values.displayName} onChange={(e) => set({ displayName: e.target.value })} autoComplete="off" className={inputClasses} />}
          </Field>
          <Field id="tenant-team" label="Team" error={errors.team}>
            {(p) => <input {...p} value={values.team} onChange={(e) => set({ team: e.target.value })} autoComplete="off" className={inputClasses} />}
          </Field>
        </div>
        <LabelEditor
          id="tenant-labels"
          legend="Labels"
          rows={values.labels}
          onChange={(labels) => set({ labels })}
          errors={errorsUnder(errors, "labels")}
          hint="Rules with a label selector match tenants by these."
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <PatternListField id="tenant-allow" label="Always allow" value={values.allow} onChange={(allow) => set({ allow })} errors={errorsUnder(errors, "mcpPolicy.allow")} />
          <PatternListField id="tenant-deny" label="Always deny" value={values.deny} onChange={(deny) => set({ deny })} errors={errorsUnder(errors, "mcpPolicy.deny")} />
        </div>
        <p className="text-xs text-slate-500">The tenant&apos;s own override: it decides before any rule, and deny wins over allow.</p>
      </form>
    </PreviewedChangeDialog>
  );
}

function PatternListField({ id, label, value, onChange, errors }: { id: string; label: string; value: string; onChange: (value: string) => void; errors: string[] }) {
  return (
    <Field id={id} label={label} error={errors.length > 0 ? errors.join("\n") : undefined} hint="Server names or globs such as github-*, one per line.">
      {(p) => <textarea {...p} rows={3} value={value} onChange={(e) => onChange(e.target.value)} className={`${inputClasses} font-mono`} />}
    </Field>
  );
}
