"use client";

import { skipToken, useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Controller, useForm, useWatch, type Control, type FieldErrors, type UseFormRegister, type UseFormSetValue } from "react-hook-form";
import type { SavedGrant } from "@/server/policy/store";
import { grantCreateInput, type Grant, type Subject } from "@/server/policy/model";
import { checkboxClasses, Field, FieldError, inputClasses } from "@/components/ui/field";
import { useToast } from "@/components/ui/toast";
import { errorMessageAt, FORM_ERROR, inputResolver, showServerErrors, type ErrorTargetOf } from "@/lib/form";
import { isoFromLocalInput, labelRowsOf, labelsOf, localInputFromIso, type LabelRow } from "@/lib/policy-view";
import { checkPattern } from "@/server/policy/rule-check";
import { exactTime } from "@/lib/time";
import { useTRPC } from "@/trpc/react";
import { PreviewedChangeDialog } from "./change-dialog";
import { LabelEditor } from "./label-editor";
import { PatternCheckNote, ServerTargetOptions, useServerTargets } from "./pattern-check";
import { usePreviewedChange } from "./use-previewed-change";

type SubjectType = Subject["type"];

const SUBJECT_TYPES: { type: SubjectType; label: string; hint: string }[] = [
  { type: "everyone", label: "Everyone", hint: "every tenant (org-scoped servers only)" },
  { type: "group", label: "Group", hint: "the members of a group" },
  { type: "tenant", label: "Tenant", hint: "one tenant" },
  { type: "selector", label: "Label selector", hint: "tenants with all these labels" },
];

interface GrantValues {
  name: string;
  subjectType: SubjectType;
  subjectName: string;
  matchLabels: LabelRow[];
  servers: string;
  access: "allow" | "deny";
  note: string;
  expiresAt: string;
}

function valuesOf(grant: Grant | null): GrantValues {
  const subject = grant?.subject;
  return {
    name: grant?.name ?? "",
    subjectType: subject?.type ?? "group",
    subjectName: subject?.type === "group" || subject?.type === "tenant" ? subject.name : "",
    matchLabels: subject?.type === "selector" ? labelRowsOf(subject.matchLabels) : [{ key: "", value: "" }],
    servers: grant?.servers ?? "",
    access: grant?.access ?? "allow",
    note: grant?.note ?? "",
    expiresAt: localInputFromIso(grant?.expiresAt ?? null),
  };
}

function subjectOf(values: GrantValues): Subject {
  switch (values.subjectType) {
    case "everyone":
      return { type: "everyone" };
    case "selector":
      return { type: "selector", matchLabels: labelsOf(values.matchLabels) };
    default:
      return { type: values.subjectType, name: values.subjectName };
  }
}

function inputOf(values: GrantValues) {
  return {
    // Left empty, a new rule is named after its subject and servers, and an edited one keeps its name.
    name: values.name.trim() || undefined,
    subject: subjectOf(values),
    servers: values.servers.trim(),
    access: values.access,
    note: values.note,
    expiresAt: isoFromLocalInput(values.expiresAt),
  };
}

/** The grant input's paths ("subject.matchLabels.team") on the form's fields. */
const grantErrorTarget: ErrorTargetOf = (path, message) => {
  const [head, next] = path.split(".");
  if (head === "subject") {
    const field = next === "name" ? "subjectName" : next === "matchLabels" ? "matchLabels" : "subjectType";
    return { field, message };
  }
  if (path === "name" || path === "servers" || path === "access" || path === "note" || path === "expiresAt") return { field: path, message };
  return { field: null, message: path ? `${path}: ${message}` : message };
};

const grantResolver = inputResolver<GrantValues>(grantCreateInput, inputOf, grantErrorTarget, { gather: true });

/** Create or edit a grant rule; saving shows the impact preview first. */
export function GrantFormDialog({ grant, onClose }: { grant: Grant | null; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const create = useMutation(trpc.grants.create.mutationOptions());
  const update = useMutation(trpc.grants.update.mutationOptions());
  const {
    control,
    register,
    handleSubmit,
    setError,
    setValue,
    getValues,
    formState: { errors },
  } = useForm<GrantValues>({ resolver: grantResolver, defaultValues: valuesOf(grant) });
  const change = usePreviewedChange((input: ReturnType<typeof inputOf>, dryRun: boolean) =>
    grant ? update.mutateAsync({ id: grant.id, patch: { ...input, version: grant.version }, dryRun }) : create.mutateAsync({ grant: input, dryRun }),
  );

  async function submit(values: GrantValues) {
    const refusal = await change.preview(inputOf(values), grant ? "patch" : "grant");
    if (refusal) showServerErrors(setError, refusal, grantErrorTarget, { gather: true });
  }

  async function save() {
    // The dry run saved it under the same name (given, or generated from subject and servers).
    const name = (change.previewResult as SavedGrant | undefined)?.name ?? grant?.name;
    if (!(await change.save())) return;
    const { access, servers } = getValues();
    toast(grant ? `Saved the rule ${name}.` : `Created the rule ${name}: ${access} ${servers.trim()}.`);
    onClose();
  }

  const excluded = (change.previewResult as SavedGrant | undefined)?.scopeExcluded ?? [];
  return (
    <PreviewedChangeDialog
      title={grant ? "Edit rule" : "Create a rule"}
      description="Who may (or may not) use which servers. Tenant overrides decide first; among rules, deny wins."
      formId="grant-form"
      change={change}
      formError={errorMessageAt(errors, FORM_ERROR)}
      saveLabel={grant ? "Save rule" : "Create rule"}
      confirmNotes={excluded.length > 0 && <ScopeExclusions excluded={excluded} />}
      onClose={onClose}
      onSave={save}
    >
      <form id="grant-form" onSubmit={handleSubmit(submit)} noValidate className="mt-5 space-y-5">
        <Field
          id="grant-name"
          label="Name"
          error={errors.name?.message}
          hint={
            grant
              ? "Renaming changes how the state document and the CLI refer to it."
              : "Optional: left empty, it is named after its subject and servers, e.g. group-platform-github."
          }
        >
          {(p) => <input {...p} {...register("name")} placeholder="group-platform-github" autoComplete="off" className={`${inputClasses} font-mono`} />}
        </Field>
        <SubjectFields control={control} setValue={setValue} errors={errors} />
        <ServersField control={control} register={register} setValue={setValue} error={errors.servers?.message} />
        <Controller
          control={control}
          name="access"
          render={({ field }) => (
            <fieldset>
              <legend className="mb-1 text-sm font-medium text-slate-800">Access</legend>
              <div className="flex gap-4">
                {(["allow", "deny"] as const).map((access) => (
                  <label key={access} className="flex items-center gap-2 text-sm">
                    <input
                      type="radio"
                      name="grant-access"
                      checked={field.value === access}
                      onChange={() => field.onChange(access)}
                      className={checkboxClasses}
                    />
                    {access === "allow" ? "Allow" : "Deny"}
                  </label>
                ))}
              </div>
              <FieldError id="grant-access" message={errors.access?.message} />
            </fieldset>
          )}
        />
        <DuplicateWarning control={control} exceptId={grant?.id} />
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="grant-note" label="Note" error={errors.note?.message} hint="Why this rule exists, for the next admin.">
            {(p) => <input {...p} {...register("note")} autoComplete="off" className={inputClasses} />}
          </Field>
          <Field id="grant-expires" label="Expires" error={errors.expiresAt?.message} hint="Optional, your local time. The rule stops applying then.">
            {(p) => <input {...p} {...register("expiresAt")} type="datetime-local" className={inputClasses} />}
          </Field>
        </div>
      </form>
    </PreviewedChangeDialog>
  );
}

function SubjectFields({
  control,
  setValue,
  errors,
}: {
  control: Control<GrantValues>;
  setValue: UseFormSetValue<GrantValues>;
  errors: FieldErrors<GrantValues>;
}) {
  const trpc = useTRPC();
  const subjectType = useWatch({ control, name: "subjectType" });
  const groups = useQuery({ ...trpc.groups.list.queryOptions(), enabled: subjectType === "group" });
  const tenants = useQuery({ ...trpc.tenants.list.queryOptions({}), enabled: subjectType === "tenant" });
  const subjectError = errors.subjectType?.message;
  const names = subjectType === "group" ? groups.data?.map((g) => g.name) : tenants.data?.map((t) => t.name);

  return (
    <fieldset aria-describedby={subjectError ? "grant-subject-error" : undefined}>
      <legend className="mb-1 text-sm font-medium text-slate-800">Subject</legend>
      <Controller
        control={control}
        name="subjectType"
        render={({ field }) => (
          <div className="flex flex-wrap gap-x-5 gap-y-2">
            {SUBJECT_TYPES.map((option) => (
              <label key={option.type} className="flex items-center gap-2 text-sm" title={option.hint}>
                <input
                  type="radio"
                  name="grant-subject-type"
                  checked={field.value === option.type}
                  data-autofocus={field.value === option.type || undefined}
                  onChange={() => {
                    field.onChange(option.type);
                    setValue("subjectName", "");
                  }}
                  className={checkboxClasses}
                />
                {option.label}
              </label>
            ))}
          </div>
        )}
      />
      <FieldError id="grant-subject" message={subjectError} />
      {(subjectType === "group" || subjectType === "tenant") && (
        <Field id="grant-subject-name" label={subjectType === "group" ? "Group" : "Tenant"} required error={errors.subjectName?.message} className="mt-3">
          {(p) => (
            // Controlled, so a saved name shows once the list it is in has loaded.
            <Controller
              control={control}
              name="subjectName"
              render={({ field }) => (
                <select {...p} {...field} className={inputClasses}>
                  <option value="">{names ? `Choose a ${subjectType}…` : "Loading…"}</option>
                  {names?.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              )}
            />
          )}
        </Field>
      )}
      {subjectType === "selector" && (
        <div className="mt-3">
          <Controller
            control={control}
            name="matchLabels"
            render={({ field }) => (
              <LabelEditor
                id="grant-selector"
                legend="Match labels"
                rows={field.value}
                onChange={field.onChange}
                error={errorMessageAt(errors, "matchLabels")}
                hint="A tenant matches when it has every one of these labels."
              />
            )}
          />
        </div>
      )}
    </fieldset>
  );
}

function ServersField({
  control,
  register,
  setValue,
  error,
}: {
  control: Control<GrantValues>;
  register: UseFormRegister<GrantValues>;
  setValue: UseFormSetValue<GrantValues>;
  error?: string;
}) {
  const value = useWatch({ control, name: "servers" });
  const { targets, pending } = useServerTargets();
  const check = checkPattern(value, targets);
  const hint =
    check.kind === "empty" ? (
      "A server name, or a glob such as github-* or * (only * and ? are wildcards)."
    ) : pending ? (
      "Checking the catalog…"
    ) : (
      <PatternCheckNote check={check} onUse={(name) => setValue("servers", name, { shouldValidate: true })} />
    );
  return (
    <Field id="grant-servers" label="Servers" required error={error} hint={hint}>
      {(p) => (
        <>
          <input
            {...p}
            {...register("servers")}
            list="grant-server-names"
            placeholder="github or github-*"
            autoComplete="off"
            className={`${inputClasses} font-mono`}
          />
          <ServerTargetOptions id="grant-server-names" targets={targets} />
        </>
      )}
    </Field>
  );
}

/** The saved rules this one would repeat (same subject, servers and access), asked of the server once the three parse. */
function DuplicateWarning({ control, exceptId }: { control: Control<GrantValues>; exceptId?: string }) {
  const trpc = useTRPC();
  const values = useWatch({ control }) as GrantValues;
  const candidate = useDebounced(duplicateCandidate(values), 250);
  const duplicates = useQuery(trpc.grants.duplicates.queryOptions(candidate ? { ...candidate, exceptId } : skipToken));
  const found = duplicates.data && duplicates.data.length > 0 ? duplicates.data : null;
  if (!candidate || !found) return null;
  return (
    <div role="status" data-testid="duplicate-rule" className="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200">
      <p className="font-medium">
        {found.length === 1 ? "A rule already says this" : `${found.length} rules already say this`}: {candidate.access} {subjectText(candidate.subject)} the
        servers <code className="font-mono">{candidate.servers}</code>.
      </p>
      <p className="mt-1">
        Saving adds a second rule that changes nothing; edit{" "}
        {found.map((rule, i) => (
          <span key={rule.id}>
            {i > 0 && ", "}
            <span className="font-medium">{rule.note ? `the rule “${rule.note}”` : `the rule created ${exactTime(rule.createdAt)}`}</span>
          </span>
        ))}{" "}
        instead, unless this one is to have another note or expiry.
      </p>
    </div>
  );
}

function duplicateCandidate(values: GrantValues): { subject: Subject; servers: string; access: "allow" | "deny" } | null {
  const parsed = grantCreateInput.pick({ subject: true, servers: true, access: true }).safeParse(inputOf(values));
  return parsed.success ? parsed.data : null;
}

function subjectText(subject: Subject): string {
  switch (subject.type) {
    case "everyone":
      return "everyone";
    case "selector":
      return `tenants labelled ${Object.entries(subject.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}`;
    default:
      return `${subject.type} ${subject.name}`;
  }
}

/** The value once it has stayed the same for `ms` (compared by its JSON), so typing asks the server once per pause. */
function useDebounced<T>(value: T, ms: number): T {
  const key = JSON.stringify(value);
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(JSON.parse(key) as T), ms);
    return () => clearTimeout(timer);
  }, [key, ms]);
  return settled;
}

function ScopeExclusions({ excluded }: { excluded: SavedGrant["scopeExcluded"] }) {
  return (
    <div role="note" className="mt-4 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900">
      <p className="font-medium">
        This rule cannot grant {excluded.length} matching server{excluded.length === 1 ? "" : "s"} (scope):
      </p>
      <ul className="mt-1 list-disc pl-5">
        {excluded.map((e) => (
          <li key={e.server}>
            <span className="font-mono">{e.server}</span> ({e.scope}): {e.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
