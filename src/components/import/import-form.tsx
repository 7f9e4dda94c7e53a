"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
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

/** The format a file's name says, else what its text looks like. */
export function fileFormat(name: string, text: string): "json" | "yaml" {
  return /\.ya?ml$/i.test(name) ? "yaml" : /\.json$/i.test(name) ? "json" : detectFormat(text);
}

/** Files of a folder that can hold documents; the others (a README, images) are left out. */
export const isDocumentFile = (name: string) => /\.(ya?ml|json)$/i.test(name);

type ChosenFile = { name: string; text: string; format: "json" | "yaml" };

async function read(files: File[]): Promise<ChosenFile[]> {
  return Promise.all(
    files.map(async (file) => {
      const name = file.webkitRelativePath || file.name;
      const text = await file.text();
      return { name, text, format: fileFormat(name, text) };
    }),
  );
}

export function ImportForm() {
  const trpc = useTRPC();
  const invalidate = useInvalidateCatalog();
  const fileId = useId();
  const folderId = useId();
  const [chosen, setChosen] = useState<ChosenFile[] | null>(null);
  const run = useMutation(trpc.catalog.import.mutationOptions({ onSuccess: () => invalidate() }));
  const runFiles = useMutation(trpc.catalog.importFiles.mutationOptions({ onSuccess: () => invalidate() }));
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

  async function loadFiles(list: FileList | null, fromFolder: boolean) {
    const files = [...(list ?? [])].filter((file) => !fromFolder || isDocumentFile(file.name));
    run.reset();
    runFiles.reset();
    if (files.length === 1 && !fromFolder) return loadFile(files[0]!);
    setChosen(await read(files));
  }

  if (chosen) {
    return (
      <>
        <PageHeader title="Import" description="Each file's documents become (or update) draft servers in one upload run; nothing is published." />
        <FilesImport
          files={chosen}
          pending={runFiles.isPending}
          error={runFiles.isError ? domainErrorOf(runFiles.error).message : null}
          onImport={() => runFiles.mutate({ files: chosen })}
          onClear={() => {
            setChosen(null);
            runFiles.reset();
          }}
        />
        <div aria-live="polite" className="mt-6">
          {runFiles.isSuccess && <FilesResultView result={runFiles.data} />}
        </div>
      </>
    );
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
              <div className="min-w-0">
                <label htmlFor={fileId} className="mb-1 block text-sm font-medium text-slate-800">
                  Or load files
                </label>
                <input
                  id={fileId}
                  type="file"
                  multiple
                  accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
                  onChange={(event) => void loadFiles(event.target.files, false)}
                  className={FILE_INPUT}
                />
              </div>
              <div className="min-w-0">
                <label htmlFor={folderId} className="mb-1 block text-sm font-medium text-slate-800">
                  Or a folder of Obot YAML files
                </label>
                <input id={folderId} type="file" {...FOLDER_PICKER} onChange={(event) => void loadFiles(event.target.files, true)} className={FILE_INPUT} />
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

const FILE_INPUT =
  "max-w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-slate-800 hover:file:bg-slate-200";

/** A directory picker: React has no typed prop for it, and Chromium, Firefox and Safari all take webkitdirectory. */
const FOLDER_PICKER = { webkitdirectory: "", directory: "" } as Record<string, string>;

function FilesImport({
  files,
  pending,
  error,
  onImport,
  onClear,
}: {
  files: ChosenFile[];
  pending: boolean;
  error: string | null;
  onImport: () => void;
  onClear: () => void;
}) {
  const count = `${files.length} file${files.length === 1 ? "" : "s"}`;
  return (
    <Panel title={`${count} chosen`}>
      {files.length === 0 ? (
        <p className="text-sm text-slate-600">The folder holds no .yaml, .yml or .json files.</p>
      ) : (
        <ul className="max-h-64 space-y-1 overflow-y-auto text-sm" aria-label="Chosen files">
          {files.map((file) => (
            <li key={file.name} className="flex items-center gap-2">
              <span className="min-w-0 break-all font-mono text-slate-800">{file.name}</span>
              <span className="shrink-0 text-xs uppercase text-slate-500">{file.format}</span>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" className="mt-4 rounded-md bg-red-50 px-4 py-3 text-sm text-red-800">
          Could not import: {error}
        </p>
      )}
      <div className="mt-4 flex flex-wrap justify-end gap-3">
        <Button onClick={onClear}>Choose other documents</Button>
        <Button variant="primary" onClick={onImport} disabled={pending || files.length === 0}>
          {pending ? "Importing…" : `Import ${count}`}
        </Button>
      </div>
    </Panel>
  );
}

type ImportResult = {
  created: string[];
  updated: string[];
  unchanged: string[];
  rejected: { index: number; name: string | null; errors: string[] }[];
  quarantined: { index: number; name: string | null; findings: unknown[] }[];
  pendingUpdates: { index: number; name: string | null }[];
  warnings: { index: number; name: string; messages: string[] }[];
};

const documents = (n: number) => `${n} document${n === 1 ? "" : "s"}`;

function FilesResultView({ result }: { result: { runId: string | null; files: { name: string; error: string | null; result: ImportResult }[] } }) {
  return (
    <section aria-labelledby="import-result" className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="import-result" className="text-base font-semibold text-slate-900">
          Import result
        </h2>
        {result.runId && <RunLink runId={result.runId} />}
      </div>
      <ul className="space-y-4">
        {result.files.map((file) => (
          <li key={file.name} data-testid="file-result">
            <Panel title={<span className="break-all font-mono">{file.name}</span>}>
              {file.error ? (
                <p className="text-sm text-red-800">Not imported: {file.error}</p>
              ) : (
                <>
                  <p className="text-sm text-slate-700">{fileSummary(file.result)}</p>
                  <ResultDetails result={file.result} />
                </>
              )}
            </Panel>
          </li>
        ))}
      </ul>
    </section>
  );
}

function fileSummary(r: ImportResult): string {
  const parts = [
    [r.created.length, "created"],
    [r.updated.length, "updated"],
    [r.unchanged.length, "unchanged"],
    [r.quarantined.length, "quarantined"],
    [r.pendingUpdates.length, "waiting for review"],
    [r.rejected.length, "rejected"],
  ] as const;
  const total = parts.reduce((sum, [n]) => sum + n, 0);
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return `${documents(total)}: ${said.join(", ") || "none"}.`;
}

function RunLink({ runId }: { runId: string }) {
  return (
    <Link href={`/sources/${UPLOADS_SOURCE}/runs/${runId}`} className="text-sm font-medium text-indigo-700 hover:underline">
      See the run: scan findings and every item&apos;s outcome
    </Link>
  );
}

function ImportResultView({ result }: { result: ImportResult & { runId: string } }) {
  const counts = [
    ["Created", result.created.length, "text-emerald-700"],
    ["Updated", result.updated.length, "text-indigo-700"],
    ["Unchanged", result.unchanged.length, "text-slate-700"],
    ["Quarantined", result.quarantined.length, result.quarantined.length ? "text-amber-700" : "text-slate-700"],
    ["Waiting for review", result.pendingUpdates.length, "text-slate-700"],
    ["Rejected", result.rejected.length, result.rejected.length ? "text-red-700" : "text-slate-700"],
  ] as const;
  return (
    <section aria-labelledby="import-result" className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id="import-result" className="text-base font-semibold text-slate-900">
          Import result
        </h2>
        <RunLink runId={result.runId} />
      </div>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        {counts.map(([label, count, color]) => (
          <div key={label} className="rounded-lg bg-white px-4 py-3 shadow-xs ring-1 ring-slate-200">
            <dt className="text-xs font-medium text-slate-500">{label}</dt>
            <dd className={cn("text-2xl font-semibold tabular-nums", color)}>{count}</dd>
          </div>
        ))}
      </dl>
      <ResultDetails result={result} />
    </section>
  );
}

/** Each server, each held or refused document, each warning; documents are numbered within what was imported. */
function ResultDetails({ result }: { result: ImportResult }) {
  return (
    <div className="mt-3 space-y-4">
      {result.quarantined.length + result.pendingUpdates.length > 0 && (
        <Panel title="Waiting for an administrator">
          <ul className="space-y-1 text-sm">
            {result.quarantined.map((q) => (
              <li key={`q${q.index}`}>
                Document {q.index + 1}
                {q.name && (
                  <>
                    {" "}
                    (<span className="font-mono">{q.name}</span>)
                  </>
                )}{" "}
                is quarantined: the scan found something critical.{" "}
                <Link href="/review" className="font-medium text-indigo-700 hover:underline">
                  Review it
                </Link>
              </li>
            ))}
            {result.pendingUpdates.map((p) => (
              <li key={`p${p.index}`}>
                Document {p.index + 1}
                {p.name && (
                  <>
                    {" "}
                    (<span className="font-mono">{p.name}</span>)
                  </>
                )}{" "}
                changes a server that is not a draft: the update waits in the{" "}
                <Link href="/review" className="font-medium text-indigo-700 hover:underline">
                  review queue
                </Link>
                .
              </li>
            ))}
          </ul>
        </Panel>
      )}
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
    </div>
  );
}
