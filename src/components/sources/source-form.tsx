"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useForm, useWatch } from "react-hook-form";
import { SOURCE_KINDS, type Source, type SourceKind } from "@/server/ingest/source-model";
import { Button, LinkButton } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { useToast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import { domainErrorOf } from "@/lib/domain-error";
import { errorMessageAt, FORM_ERROR, showServerErrors } from "@/lib/form";
import { sentence } from "@/lib/messages";
import {
  checkSourceForm,
  emptySourceFormValues,
  sourceErrorTarget,
  sourceFormResolver,
  sourceFormValuesOf,
  sourcePatchOf,
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
  const {
    control,
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<SourceFormValues>({
    resolver: sourceFormResolver,
    defaultValues: mode.kind === "edit" ? sourceFormValuesOf(mode.source) : emptySourceFormValues(),
  });
  const create = useMutation(trpc.sources.create.mutationOptions());
  const update = useMutation(trpc.sources.update.mutationOptions());
  const pending = create.isPending || update.isPending;

  function showServerError(error: unknown) {
    const info = domainErrorOf(error);
    // The refusal's message heads the form even when fields are to blame.
    if (showServerErrors(setError, info, sourceErrorTarget, { focus: false }) === null) setError(FORM_ERROR, { type: "server", message: info.message });
  }

  async function submit(values: SourceFormValues) {
    const checked = checkSourceForm(values);
    // The resolver has judged these values already.
    if (!checked.ok) return;
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

  const kind = useWatch({ control, name: "kind" });
  const syncMode = useWatch({ control, name: "syncMode" });
  const formError = errorMessageAt(errors, FORM_ERROR);
  return (
    <form noValidate className="space-y-6" onSubmit={handleSubmit(submit)}>
      {formError && (
        <p role="alert" className="whitespace-pre-line rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
          {sentence(formError)}
        </p>
      )}
      <Panel title="Source">
        <div className="grid gap-5 md:grid-cols-2">
          <Field id="source-name" label="Name" required error={errors.name?.message} hint="Lowercase letters, digits and '-'; it cannot be changed later.">
            {(p) => <input {...p} {...register("name")} readOnly={mode.kind === "edit"} className={cn(inputClasses, "font-mono")} autoComplete="off" />}
          </Field>
          <fieldset>
            <legend className="mb-1 text-sm font-medium text-slate-800">Kind</legend>
            <div className="space-y-1.5">
              {SOURCE_KINDS.map((k) => (
                <label key={k} className="flex items-start gap-2 text-sm text-slate-800">
                  <input type="radio" {...register("kind")} value={k} disabled={mode.kind === "edit" && kind !== k} className="mt-0.5 accent-indigo-600" />
                  <span>
                    {KIND_LABELS[k]}
                    <span className="block text-xs text-slate-500">{KIND_HINTS[k]}</span>
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          {kind !== "manual-upload" && (
            <Field id="source-url" label={kind === "git" ? "Repository URL" : "Registry URL"} required error={errors.url?.message} className="md:col-span-2">
              {(p) => <input {...p} {...register("url")} type="url" placeholder={URL_PLACEHOLDERS[kind]} className={cn(inputClasses, "font-mono")} />}
            </Field>
          )}
          {kind === "git" && (
            <>
              <Field id="source-ref" label="Ref" error={errors.ref?.message} hint="A branch or tag; empty means the default branch.">
                {(p) => <input {...p} {...register("ref")} placeholder="main" className={cn(inputClasses, "font-mono")} />}
              </Field>
              <Field id="source-path" label="Path" error={errors.path?.message} hint="A directory inside the repository; empty means all of it.">
                {(p) => <input {...p} {...register("path")} placeholder="servers" className={cn(inputClasses, "font-mono")} />}
              </Field>
            </>
          )}
        </div>
        {mode.kind === "edit" && mode.source.kind !== "manual-upload" && (
          <p className="mt-4 text-xs text-slate-500">
            Changing the URL, ref or path makes it a different upstream: the source then needs an administrator&apos;s approval again.
          </p>
        )}
      </Panel>

      <Panel title="What to take">
        <div className="grid gap-5 md:grid-cols-2">
          <Field
            id="source-include"
            label="Include"
            error={errors.include?.message}
            hint="Name globs, one per line (e.g. io.github.acme/*). Empty takes everything."
          >
            {(p) => <textarea {...p} {...register("include")} rows={3} spellCheck={false} className={cn(inputClasses, "font-mono")} />}
          </Field>
          <Field
            id="source-exclude"
            label="Exclude"
            error={errors.exclude?.message}
            hint="Name globs, one per line; an excluded name is skipped even if included."
          >
            {(p) => <textarea {...p} {...register("exclude")} rows={3} spellCheck={false} className={cn(inputClasses, "font-mono")} />}
          </Field>
          <Field
            id="source-entitlements"
            label="Default entitlements"
            error={errors.entitlements?.message}
            className="md:col-span-2"
            hint="Who may use each newly registered server, one per line: everyone, group:NAME, tenant:NAME or labels:key=value,… and an optional # note. Empty grants nothing."
          >
            {(p) => <textarea {...p} {...register("entitlements")} rows={3} spellCheck={false} className={cn(inputClasses, "font-mono")} />}
          </Field>
        </div>
      </Panel>

      {kind !== "manual-upload" && (
        <Panel title="Schedule">
          <fieldset>
            <legend className="sr-only">Sync mode</legend>
            <div className="flex flex-wrap items-start gap-6 text-sm text-slate-800">
              <label className="flex items-center gap-2">
                <input type="radio" {...register("syncMode")} value="manual" className="accent-indigo-600" />
                Manual: sync when someone clicks &ldquo;Sync now&rdquo;
              </label>
              <label className="flex items-center gap-2">
                <input type="radio" {...register("syncMode")} value="scheduled" className="accent-indigo-600" />
                Scheduled
              </label>
            </div>
          </fieldset>
          {syncMode === "scheduled" && (
            <Field
              id="source-interval"
              label="Interval (minutes)"
              required
              error={errors.intervalMinutes?.message}
              hint="From 5 minutes to a week (10080)."
              className="mt-4 max-w-xs"
            >
              {(p) => <input {...p} {...register("intervalMinutes")} type="number" inputMode="numeric" min={5} max={10080} className={inputClasses} />}
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
