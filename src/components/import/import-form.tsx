"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useId } from "react";
import { useForm, useWatch } from "react-hook-form";
import type { z } from "zod";
import { importTextInput } from "@/server/catalog/model";
import { UPLOADS_SOURCE } from "@/server/ingest/source-model";
import { Button } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { PageHeader, Panel } from "@/components/ui/panel";
import { cn } from "@/lib/cn";
import { domainErrorOf } from "@/lib/domain-error";
import { inputResolver, showServerErrors, type ErrorTargetOf } from "@/lib/form";
import { useInvalidateCatalog } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";

type Format = "auto" | "json" | "yaml";

/** JSON documents start with '[' or '{'; anything else is read as YAML. */
export function detectFormat(text: string): "json" | "yaml" {
  return /^\s*[[{]/.test(text) ? "json" : "yaml";
}

const EXAMPLE = `# One or more Obot catalog entries or server.json documents, as a YAML list or JSON array.
- name: Weather
  entryKey: weather
  shortDescription: Forecasts and current conditions
  runtime: remote
  remoteConfig:
    fixedURL: https://weather.example.com/mcp
  metadata:
    categories: Utilities
`;

interface ImportValues {
  text: string;
  format: Format;
}

const importInputOf = (values: ImportValues) => ({ text: values.text, format: values.format === "auto" ? detectFormat(values.text) : values.format });

/** The page has one field to blame: every error of the import shows under the documents. */
const onTheDocuments: ErrorTargetOf = (_path, message) => ({ field: "text", message });

const importResolver = inputResolver<ImportValues>(importTextInput, importInputOf, onTheDocuments);

export function ImportForm() {
  const trpc = useTRPC();
  const invalidate = useInvalidateCatalog();
  const fileId = useId();
  const run = useMutation(trpc.catalog.import.mutationOptions({ onSuccess: () => invalidate() }));
  const {
    control,
    register,
    handleSubmit,
    setError,
    setValue,
    clearErrors,
    formState: { errors },
  } = useForm<ImportValues>({ resolver: importResolver, defaultValues: { text: "", format: "auto" } });
  const text = useWatch({ control, name: "text" });

  async function submit(values: ImportValues) {
    try {
      await run.mutateAsync(importInputOf(values) as z.output<typeof importTextInput>);
    } catch (error) {
      showServerErrors(setError, domainErrorOf(error), onTheDocuments, { summaryField: "text" });
    }
  }

  async function loadFile(file: File) {
    setValue("text", await file.text());
    setValue("format", /\.ya?ml$/i.test(file.name) ? "yaml" : /\.json$/i.test(file.name) ? "json" : "auto");
    clearErrors();
    run.reset();
  }

  return (
    <>
      <PageHeader
        title="Import"
        description="Paste Obot catalog entries or MCP Registry server.json documents. Each becomes (or updates) a draft server; nothing is published."
      />
      <form className="space-y-6" onSubmit={handleSubmit(submit)}>
        <Panel>
          <Field
            id="import-text"
            label="Documents"
            error={errors.text?.message}
            hint="A JSON array or object, or YAML (a list, or several documents separated by ---)."
            trailing={
              <Button size="sm" variant="ghost" onClick={() => setValue("text", EXAMPLE)}>
                Insert an example
              </Button>
            }
          >
            {(p) => <textarea {...p} {...register("text")} rows={16} spellCheck={false} className={cn(inputClasses, "font-mono text-[13px]")} />}
          </Field>
          <div className="mt-4 flex flex-wrap items-end justify-between gap-4">
            <div className="flex flex-wrap items-end gap-6">
              <fieldset>
                <legend className="mb-1 text-sm font-medium text-slate-800">Format</legend>
                <div className="flex gap-4 text-sm text-slate-800">
                  {(["auto", "json", "yaml"] as const).map((f) => (
                    <label key={f} className="flex items-center gap-2">
                      <input type="radio" {...register("format")} value={f} className="accent-indigo-600" />
                      {f === "auto" ? `Detect (${text.trim() ? detectFormat(text).toUpperCase() : "—"})` : f.toUpperCase()}
                    </label>
                  ))}
                </div>
              </fieldset>
              <div>
                <label htmlFor={fileId} className="mb-1 block text-sm font-medium text-slate-800">
                  Or load a file
                </label>
                <input
                  id={fileId}
                  type="file"
                  accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
                  onChange={(event) => {
                    const file = event.target.files?.[0];
                    if (file) void loadFile(file);
                  }}
                  className="text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-200"
                />
              </div>
            </div>
            <Button type="submit" variant="primary" disabled={run.isPending || text.trim() === ""}>
              {run.isPending ? "Importing…" : "Import"}
            </Button>
          </div>
        </Panel>
      </form>

      <div aria-live="polite" className="mt-6">
        {run.isSuccess && <ImportResultView result={run.data} />}
      </div>
    </>
  );
}

type ImportResult = {
  runId: string;
  created: string[];
  updated: string[];
  unchanged: string[];
  rejected: { index: number; name: string | null; errors: string[] }[];
  warnings: { index: number; name: string; messages: string[] }[];
};

function ImportResultView({ result }: { result: ImportResult }) {
  const counts = [
    ["Created", result.created.length, "text-emerald-700"],
    ["Updated", result.updated.length, "text-indigo-700"],
    ["Unchanged", result.unchanged.length, "text-slate-700"],
    ["Rejected", result.rejected.length, result.rejected.length ? "text-red-700" : "text-slate-700"],
  ] as const;
  return (
    <section aria-labelledby="import-result" className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="import-result" className="text-base font-semibold text-slate-900">
          Import result
        </h2>
        <Link href={`/sources/${UPLOADS_SOURCE}/runs/${result.runId}`} className="text-sm font-medium text-indigo-700 hover:underline">
          See the run: scan findings and every item&apos;s outcome
        </Link>
      </div>
      <dl className="grid gap-3 sm:grid-cols-4">
        {counts.map(([label, count, color]) => (
          <div key={label} className="rounded-lg bg-white px-4 py-3 shadow-xs ring-1 ring-slate-200">
            <dt className="text-xs font-medium text-slate-500">{label}</dt>
            <dd className={cn("text-2xl font-semibold tabular-nums", color)}>{count}</dd>
          </div>
        ))}
      </dl>
      {result.created.length + result.updated.length + result.unchanged.length > 0 && (
        <Panel title="Servers">
          <ul className="space-y-1 text-sm">
            {[
              ...result.created.map((name) => [name, "created"] as const),
              ...result.updated.map((name) => [name, "updated"] as const),
              ...result.unchanged.map((name) => [name, "unchanged"] as const),
            ].map(([name, outcome]) => (
              <li key={name} className="flex items-center gap-2">
                <Link href={`/servers/${name}`} className="font-mono text-indigo-700 hover:underline">
                  {name}
                </Link>
                <span className="text-slate-500">{outcome}</span>
              </li>
            ))}
          </ul>
        </Panel>
      )}
      {result.rejected.length > 0 && (
        <Panel title="Rejected documents">
          <ul className="space-y-3 text-sm">
            {result.rejected.map((r) => (
              <li key={r.index}>
                <p className="font-medium text-slate-900">
                  Document {r.index + 1} <span className="font-normal text-slate-500">(index {r.index})</span>
                  {r.name && (
                    <>
                      : <span className="font-mono">{r.name}</span>
                    </>
                  )}
                </p>
                <ul className="mt-1 list-disc space-y-0.5 pl-5 text-red-800">
                  {r.errors.map((e, i) => (
                    <li key={i}>{e}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </Panel>
      )}
      {result.warnings.length > 0 && (
        <Panel title="Warnings">
          <ul className="space-y-3 text-sm">
            {result.warnings.map((w) => (
              <li key={w.index}>
                <p className="font-medium text-slate-900">
                  Document {w.index + 1} <span className="font-normal text-slate-500">(index {w.index})</span>: <span className="font-mono">{w.name}</span>
                </p>
                <ul className="mt-1 list-disc space-y-0.5 pl-5 text-amber-800">
                  {w.messages.map((m, i) => (
                    <li key={i}>{m}</li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </Panel>
      )}
    </section>
  );
}
