"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";
import { SOURCE_KINDS, type Source, type SourceKind } from "@/server/ingest/source-model";
import { Button, LinkButton } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { useToast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import { domainErrorOf } from "@/lib/domain-error";
import { sentence } from "@/lib/messages";
import {
  checkSourceForm,
  emptySourceFormValues,
  sourceFieldErrors,
  sourceFormValuesOf,
  sourcePatchOf,
  type SourceFieldErrors,
  type SourceFormValues,
} from "@/lib/source-form";
import { useInvalidateSources } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";
import { KIND_LABELS } from "./badges";

const KIND_HINTS: Record<SourceKind, string> = {
  "mcp-registry": "Pages through {url}/v0.1/servers (or /v0/servers), or reads a plain JSON array URL.",
  git: "Cloned shallowly at the ref; server.json files and Obot catalog entries are read under the path.",
  "manual-upload": "Takes documents that editors upload; it has nothing to fetch.",
};

const URL_PLACEHOLDERS: Record<SourceKind, string> = {
  "mcp-registry": "https://registry.modelcontextprotocol.io",
  git: "https://github.com/acme/mcp-catalog.git",
  "manual-upload": "",
};

type Mode = { kind: "create" } | { kind: "edit"; source: Source };

/** Adding a source, or changing one: checked with the server's own schema before it is sent. */
export function SourceForm({ mode }: { mode: Mode }) {
  const trpc = useTRPC();
  const router = useRouter();
  const toast = useToast();
  const invalidate = useInvalidateSources();
  const [values, setValues] = useState<SourceFormValues>(() => (mode.kind === "edit" ? sourceFormValuesOf(mode.source) : emptySourceFormValues()));
  const [errors, setErrors] = useState<SourceFieldErrors>({});
  const formRef = useRef<HTMLFormElement>(null);
  const create = useMutation(trpc.sources.create.mutationOptions());
  const update = useMutation(trpc.sources.update.mutationOptions());
  const pending = create.isPending || update.isPending;

  const set = <K extends keyof SourceFormValues>(key: K, value: SourceFormValues[K]) => {
    setValues((current) => ({ ...current, [key]: value }));
    setErrors((current) => ({ ...current, [key]: undefined }));
  };

  function showServerError(error: unknown) {
    const info = domainErrorOf(error);
    const mapped = sourceFieldErrors(info.fieldErrors, info.formErrors);
    setErrors(Object.keys(mapped).length > 0 ? { form: info.message, ...mapped } : { form: info.message });
  }

  async function submit() {
    const checked = checkSourceForm(values);
    if (!checked.ok) {
      setErrors(checked.errors);
      // After React has marked the fields invalid.
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>("[aria-invalid]")?.focus());
      return;
    }
    setErrors({});
    try {
      if (mode.kind === "create") {
        const source = await create.mutateAsync(checked.input);
        await invalidate();
        toast(source.status === "pending-approval" ? `Added ${source.name}. An administrator must approve it before it can sync.` : `Added ${source.name}.`);
        router.push(`/sources/${source.name}`);
      } else {
        const source = await update.mutateAsync({ name: mode.source.name, patch: sourcePatchOf(checked.input, mode.source.version) });
        await invalidate();
        toast(
          source.status === "pending-approval" && mode.source.status !== "pending-approval"
            ? `Saved ${source.name}. Its location changed, so it needs an administrator's approval again.`
            : `Saved ${source.name}.`,
        );
        router.push(`/sources/${source.name}`);
      }
    } catch (error) {
      showServerError(error);
    }
  }

  const kind = values.kind;
  return (
    <form
      ref={formRef}
      noValidate
      className="space-y-6"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {errors.form && (
        <p role="alert" className="whitespace-pre-line rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
          {sentence(errors.form)}
        </p>
      )}
      <Panel title="Source">
        <div className="grid gap-5 md:grid-cols-2">
          <Field id="source-name" label="Name" required error={errors.name} hint="Lowercase letters, digits and '-'; it cannot be changed later.">
            {(p) => (
              <input {...p} value={values.name} readOnly={mode.kind === "edit"} onChange={(e) => set("name", e.target.value)} className={cn(inputClasses, "font-mono")} autoComplete="off" />
            )}
          </Field>
          <fieldset>
            <legend className="mb-1 text-sm font-medium text-slate-800">Kind</legend>
            <div className="space-y-1.5">
              {SOURCE_KINDS.map((k) => (
                <label key={k} className="flex items-start gap-2 text-sm text-slate-800">
                  <input
                    type="radio"
                    name="kind"
                    value={k}
                    checked={kind === k}
                    disabled={mode.kind === "edit" && kind !== k}
                    onChange={() => set("kind", k)}
                    className="mt-0.5 accent-indigo-600"
                  />
                  <span>
                    {KIND_LABELS[k]}
                    <span className="block text-xs text-slate-500">{KIND_HINTS[k]}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          {kind !== "manual-upload" && (
            <Field id="source-url" label={kind === "git" ? "Repository URL" : "Registry URL"} required error={errors.url} className="md:col-span-2">
              {(p) => <input {...p} type="url" value={values.url} onChange={(e) => set("url", e.target.value)} placeholder={URL_PLACEHOLDERS[kind]} className={cn(inputClasses, "font-mono")} />}
            </Field>
          )}
          {kind === "git" && (
            <>
              <Field id="source-ref" label="Ref" error={errors.ref} hint="A branch or tag; empty means the default branch.">
                {(p) => <input {...p} value={values.ref} onChange={(e) => set("ref", e.target.value)} placeholder="main" className={cn(inputClasses, "font-mono")} />}
              </Field>
              <Field id="source-path" label="Path" error={errors.path} hint="A directory inside the repository; empty means all of it.">
                {(p) => <input {...p} value={values.path} onChange={(e) => set("path", e.target.value)} placeholder="servers" className={cn(inputClasses, "font-mono")} />}
              </Field>
            </>
          )}
        </div>
        {mode.kind === "edit" && mode.source.kind !== "manual-upload" && (
          <p className="mt-4 text-xs text-slate-500">Changing the URL, ref or path makes it a different upstream: the source then needs an administrator&apos;s approval again.</p>
        )}
      </Panel>

      <Panel title="What to take">
        <div className="grid gap-5 md:grid-cols-2">
          <Field id="source-include" label="Include" error={errors.include} hint="Name globs, one per line (e.g. io.github.acme/*). Empty takes everything.">
            {(p) => <textarea {...p} rows={3} value={values.include} onChange={(e) => set("include", e.target.value)} spellCheck={false} className={cn(inputClasses, "font-mono")} />}
          </Field>
          <Field id="source-exclude" label="Exclude" error={errors.exclude} hint="Name globs, one per line; an excluded name is skipped even if included.">
            {(p) => <textarea {...p} rows={3} value={values.exclude} onChange={(e) => set("exclude", e.target.value)} spellCheck={false} className={cn(inputClasses, "font-mono")} />}
          </Field>
          <Field
            id="source-entitlements"
            label="Default entitlements"
            error={errors.entitlements}
            className="md:col-span-2"
            hint="Who may use each newly registered server, one per line: everyone, group:NAME, tenant:NAME or labels:key=value,… and an optional # note. Empty grants nothing."
          >
            {(p) => <textarea {...p} rows={3} value={values.entitlements} onChange={(e) => set("entitlements", e.target.value)} spellCheck={false} className={cn(inputClasses, "font-mono")} />}
          </Field>
        </div>
      </Panel>

      {kind !== "manual-upload" && (
        <Panel title="Schedule">
          <fieldset>
            <legend className="sr-only">Sync mode</legend>
            <div className="flex flex-wrap items-start gap-6 text-sm text-slate-800">
              <label className="flex items-center gap-2">
                <input type="radio" name="syncMode" checked={values.syncMode === "manual"} onChange={() => set("syncMode", "manual")} className="accent-indigo-600" />
                Manual: sync when someone clicks &ldquo;Sync now&rdquo;
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" name="syncMode" checked={values.syncMode === "scheduled"} onChange={() => set("syncMode", "scheduled")} className="accent-indigo-600" />
                Scheduled
              </label>
            </div>
          </fieldset>
          {values.syncMode === "scheduled" && (
            <Field id="source-interval" label="Interval (minutes)" required error={errors.intervalMinutes} hint="From 5 minutes to a week (10080)." className="mt-4 max-w-xs">
              {(p) => <input {...p} type="number" inputMode="numeric" min={5} max={10080} value={values.intervalMinutes} onChange={(e) => set("intervalMinutes", e.target.value)} className={inputClasses} />}
            </Field>
          )}
        </Panel>
      )}

      <div className="flex justify-end gap-3">
        <LinkButton href={mode.kind === "edit" ? `/sources/${mode.source.name}` : "/sources"}>Cancel</LinkButton>
        <Button type="submit" variant="primary" disabled={pending}>
          {pending ? "Saving…" : mode.kind === "create" ? "Add source" : "Save changes"}
        </Button>
      </div>
    </form>
  );
}
