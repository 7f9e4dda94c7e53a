"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useRef, useState } from "react";
import { useFieldArray, useForm, useWatch, type Control, type UseFormRegister } from "react-hook-form";
import {
  defaultTransport,
  sanitizeObotName,
  SCOPES,
  SERVER_USER_TYPES,
  TRANSPORTS,
  transportsFor,
  type McpServer,
  type ServerCreateInput,
  type ServerUpdateInput,
} from "@/server/catalog/model";
import { Button, buttonClasses } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { checkboxClasses, controlProps, Field, FieldError, inputClasses } from "@/components/ui/field";
import { Panel } from "@/components/ui/panel";
import { useToast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import { domainErrorOf, staleVersionOf, type StaleVersion } from "@/lib/domain-error";
import { showServerErrors } from "@/lib/form";
import {
  createInputOf,
  emptyEnvRow,
  emptyFormValues,
  emptyHeaderRow,
  errorMessageAt,
  errorTargetFor,
  FORM_ERROR,
  formValuesOf,
  serverFormResolver,
  specInputOf,
  type RemoteMode,
  type RuntimeChoice,
  type ServerFormValues,
} from "@/lib/server-form";
import { exactTime } from "@/lib/time";
import { useInvalidateCatalog } from "@/trpc/invalidate";
import { useTRPC } from "@/trpc/react";
import { RUNTIME_LABELS, SCOPE_LABELS, USER_TYPE_LABELS } from "./labels";

const RUNTIME_CHOICES: { value: RuntimeChoice; hint: string }[] = [
  { value: "remote", hint: "Obot connects to a server that runs elsewhere" },
  { value: "npx", hint: "Obot runs a pinned npm package" },
  { value: "uvx", hint: "Obot runs a pinned PyPI package" },
  { value: "containerized", hint: "Obot runs a container image" },
  { value: "none", hint: "A draft to finish later; cannot be published" },
];

const REMOTE_MODES: { value: RemoteMode; label: string; hint: string; placeholder: string }[] = [
  { value: "fixedURL", label: "Fixed URL", hint: "Everyone connects to this URL.", placeholder: "https://mcp.example.com/mcp" },
  {
    value: "hostname",
    label: "Hostname",
    hint: "Each user enters a URL on this host; a leading *. allows subdomains.",
    placeholder: "mcp.example.com",
  },
  {
    value: "urlTemplate",
    label: "URL template",
    hint: "Completed per user from the environment declarations, e.g. https://${HOST}/mcp.",
    placeholder: "https://${HOST}/mcp",
  },
];

const fieldId = (name: string) => `field-${name.replace(/\./g, "-")}`;

type Mode = { kind: "create" } | { kind: "edit"; server: McpServer };

/** The one form for creating and editing a server. */
export function ServerForm(props: { mode: Mode; categories?: string[]; onReload?: () => Promise<McpServer | null> }) {
  const { mode } = props;
  const trpc = useTRPC();
  const router = useRouter();
  const toast = useToast();
  const invalidate = useInvalidateCatalog();
  // The version this form was loaded from; a background refetch must not move it silently.
  const [base, setBase] = useState<McpServer | null>(mode.kind === "edit" ? mode.server : null);
  const [stale, setStale] = useState<StaleVersion | null>(null);
  const [renameConfirm, setRenameConfirm] = useState<{ message: string } | null>(null);
  const pendingValues = useRef<ServerFormValues | null>(null);

  const resolver = useMemo(() => serverFormResolver(mode.kind, base ?? undefined), [mode.kind, base]);
  const form = useForm<ServerFormValues>({
    resolver,
    defaultValues: base ? formValuesOf(base) : emptyFormValues(),
    reValidateMode: "onChange",
  });
  const {
    register,
    control,
    handleSubmit,
    setError,
    setValue,
    getFieldState,
    reset,
    formState: { errors, isSubmitting },
  } = form;

  const create = useMutation(trpc.catalog.create.mutationOptions());
  const update = useMutation(trpc.catalog.update.mutationOptions());

  const runtimeType = useWatch({ control, name: "runtime.type" });
  const remoteMode = useWatch({ control, name: "runtime.remoteMode" });
  const scope = useWatch({ control, name: "scope" });
  const shortDescription = useWatch({ control, name: "shortDescription" }) ?? "";

  function showRefusal(error: unknown, values: ServerFormValues) {
    const info = domainErrorOf(error);
    const staleVersion = staleVersionOf(info);
    if (staleVersion) {
      setStale(staleVersion);
      return;
    }
    if (info.code === "CONFIRMATION_REQUIRED") {
      pendingValues.current = values;
      setRenameConfirm({ message: info.message });
      return;
    }
    showServerErrors(setError, info, errorTargetFor, { values });
  }

  async function save(values: ServerFormValues, confirmRename = false) {
    try {
      let saved: McpServer;
      if (mode.kind === "create") {
        saved = await create.mutateAsync(createInputOf(values) as ServerCreateInput);
      } else {
        const patch = { ...specInputOf(values, base ?? undefined), version: base!.version, ...(confirmRename ? { confirmRename: true } : {}) };
        saved = (await update.mutateAsync({ name: base!.name, patch: patch as ServerUpdateInput })).result;
      }
      await invalidate();
      toast(mode.kind === "create" ? `Created ${saved.displayName} as a draft.` : `Saved ${saved.displayName}.`);
      router.push(`/servers/${saved.name}`);
    } catch (error) {
      showRefusal(error, values);
    }
  }

  async function reload() {
    const fresh = await props.onReload?.();
    if (!fresh) return;
    setBase(fresh);
    setStale(null);
    reset(formValuesOf(fresh));
  }

  const formError = errorMessageAt(errors, FORM_ERROR);
  const errorCount = Object.keys(errors).filter((k) => k !== "root").length;
  const err = (name: string) => errorMessageAt(errors, name);
  const allowedTransports = runtimeType === "none" ? [...TRANSPORTS] : transportsFor(runtimeType);
  const submitting = isSubmitting || create.isPending || update.isPending;

  return (
    // handleSubmit calls save (which sets pendingValues.current) on submit, never during render.
    // eslint-disable-next-line react-hooks/refs
    <form onSubmit={handleSubmit((values) => save(values))} noValidate className="space-y-6" aria-describedby={formError ? "form-errors" : undefined}>
      <div aria-live="polite" className="space-y-3">
        {stale && (
          <div role="alert" className="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200">
            <p className="font-medium">Someone else changed this server while you were editing.</p>
            <p className="mt-1">
              {stale.updatedBy} saved version {stale.currentVersion} at {exactTime(stale.updatedAt)}; you loaded version {base?.version}. Reload to see their
              version. Your edits in this form will be discarded.
            </p>
            <Button size="sm" className="mt-2" onClick={reload}>
              Reload the server
            </Button>
          </div>
        )}
        {formError && (
          <div id="form-errors" role="alert" className="whitespace-pre-line rounded-md bg-red-50 px-4 py-3 text-sm text-red-800 ring-1 ring-red-200">
            {formError}
          </div>
        )}
        {!formError && errorCount > 0 && (
          <p className="sr-only">
            {errorCount} field{errorCount === 1 ? " has" : "s have"} errors.
          </p>
        )}
      </div>

      {base?.sourceId && (
        <p data-testid="override-note" className="rounded-md bg-slate-50 px-4 py-3 text-sm text-slate-700 ring-1 ring-slate-200">
          This server comes from a source. What you change here of what upstream owns (descriptions, display name, runtime, environment, icon, repository, tool
          preview, categories) becomes yours: later upstream changes leave it as you set it and show their change to it as a conflict in the review queue.
        </p>
      )}

      <Panel title="Identity">
        <div className="grid gap-5 md:grid-cols-2">
          <Field
            id={fieldId("name")}
            label="Name"
            required={mode.kind === "create"}
            error={err("name")}
            hint={
              mode.kind === "create"
                ? "Lowercase letters, digits and '-'. Obot's entryKey and the name in every policy; it cannot be changed later."
                : "The name cannot change: rules, contracts and Obot's entry key use it. The display name below can."
            }
          >
            {(p) => (
              <input
                {...p}
                {...register("name")}
                readOnly={mode.kind === "edit"}
                autoComplete="off"
                spellCheck={false}
                className={cn(inputClasses, "font-mono")}
              />
            )}
          </Field>
          <Field id={fieldId("displayName")} label="Display name" required error={err("displayName")} hint="What Obot shows; Obot also keys its entry by it.">
            {(p) => (
              <input
                {...p}
                {...register("displayName", {
                  onChange: (event: React.ChangeEvent<HTMLInputElement>) => {
                    if (mode.kind === "create" && !getFieldState("name").isDirty) {
                      setValue("name", sanitizeObotName(event.target.value));
                    }
                  },
                })}
                autoComplete="off"
                className={inputClasses}
              />
            )}
          </Field>
          <Field
            id={fieldId("shortDescription")}
            label="Short description"
            error={err("shortDescription")}
            className="md:col-span-2"
            trailing={
              <span className={cn("text-xs tabular-nums", shortDescription.length > 160 ? "text-red-700" : "text-slate-500")}>
                {shortDescription.length}/160
              </span>
            }
            hint="One line for catalog lists, at most 160 characters."
          >
            {(p) => <input {...p} {...register("shortDescription")} className={inputClasses} />}
          </Field>
          <Field
            id={fieldId("description")}
            label="Description"
            error={err("description")}
            className="md:col-span-2"
            hint="Markdown: headings, lists, `code`, **bold** and links are shown on the server's page."
          >
            {(p) => <textarea {...p} {...register("description")} rows={6} className={cn(inputClasses, "font-mono text-[13px]")} />}
          </Field>
        </div>
      </Panel>

      <Panel title="Runtime">
        <fieldset aria-describedby={err("runtime.type") ? `${fieldId("runtime.type")}-error` : undefined}>
          <legend className="mb-2 text-sm font-medium text-slate-800">How Obot runs it</legend>
          <div className="grid gap-2 sm:grid-cols-2 lg:grid-cols-5">
            {RUNTIME_CHOICES.map((choice) => (
              <label
                key={choice.value}
                className={cn(
                  "flex cursor-pointer gap-2 rounded-md px-3 py-2 text-sm ring-1 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-indigo-600",
                  runtimeType === choice.value ? "bg-indigo-50 ring-indigo-400" : "bg-white ring-slate-200 hover:bg-slate-50",
                )}
              >
                <input
                  type="radio"
                  value={choice.value}
                  {...register("runtime.type", { onChange: () => setValue("transport", "") })}
                  className="mt-0.5 accent-indigo-600"
                />
                <span>
                  <span className="block font-medium text-slate-900">{RUNTIME_LABELS[choice.value]}</span>
                  <span className="block text-xs text-slate-500">{choice.hint}</span>
                </span>
              </label>
            ))}
          </div>
          <FieldError id={fieldId("runtime.type")} message={err("runtime.type")} />
        </fieldset>

        <div className="mt-5 grid gap-5 md:grid-cols-2">
          {runtimeType === "remote" && (
            <>
              <fieldset className="md:col-span-2">
                <legend className="mb-2 text-sm font-medium text-slate-800">Where users connect</legend>
                <div className="flex flex-wrap gap-4">
                  {REMOTE_MODES.map((m) => (
                    <label key={m.value} className="flex items-center gap-2 text-sm text-slate-800">
                      <input type="radio" value={m.value} {...register("runtime.remoteMode")} className="accent-indigo-600" />
                      {m.label}
                    </label>
                  ))}
                </div>
              </fieldset>
              {REMOTE_MODES.filter((m) => m.value === remoteMode).map((m) => (
                <Field
                  key={m.value}
                  id={fieldId(`runtime.${m.value}`)}
                  label={m.label}
                  required
                  error={err(`runtime.${m.value}`)}
                  hint={m.hint}
                  className="md:col-span-2"
                >
                  {(p) => (
                    <input
                      {...p}
                      {...register(`runtime.${m.value}`)}
                      placeholder={m.placeholder}
                      spellCheck={false}
                      className={cn(inputClasses, "font-mono")}
                    />
                  )}
                </Field>
              ))}
            </>
          )}

          {(runtimeType === "npx" || runtimeType === "uvx") && (
            <Field
              id={fieldId("runtime.package")}
              label="Package"
              required
              error={err("runtime.package")}
              hint={runtimeType === "npx" ? "An exact version: @scope/server@1.2.3, not a tag or range." : "An exact version: my-server==1.2.3."}
            >
              {(p) => (
                <input
                  {...p}
                  {...register("runtime.package")}
                  placeholder={runtimeType === "npx" ? "@modelcontextprotocol/server-filesystem@1.2.3" : "mcp-server-fetch==1.2.3"}
                  spellCheck={false}
                  className={cn(inputClasses, "font-mono")}
                />
              )}
            </Field>
          )}

          {runtimeType === "containerized" && (
            <>
              <Field
                id={fieldId("runtime.image")}
                label="Image"
                required
                error={err("runtime.image")}
                hint="A pinned image reference."
                className="md:col-span-2"
              >
                {(p) => (
                  <input
                    {...p}
                    {...register("runtime.image")}
                    placeholder="ghcr.io/org/server:1.0"
                    spellCheck={false}
                    className={cn(inputClasses, "font-mono")}
                  />
                )}
              </Field>
              <Field id={fieldId("runtime.port")} label="Port" required error={err("runtime.port")} hint="The port the server listens on in the container.">
                {(p) => <input {...p} {...register("runtime.port")} inputMode="numeric" className={inputClasses} />}
              </Field>
              <Field id={fieldId("runtime.path")} label="Path" required error={err("runtime.path")} hint="The MCP endpoint's path, e.g. /mcp.">
                {(p) => <input {...p} {...register("runtime.path")} spellCheck={false} className={cn(inputClasses, "font-mono")} />}
              </Field>
            </>
          )}

          {(runtimeType === "uvx" || runtimeType === "containerized") && (
            <Field
              id={fieldId("runtime.command")}
              label="Command"
              error={err("runtime.command")}
              hint={
                runtimeType === "uvx" ? "The executable in the package; empty means the package name." : "Overrides the image's entrypoint; empty keeps it."
              }
            >
              {(p) => <input {...p} {...register("runtime.command")} spellCheck={false} className={cn(inputClasses, "font-mono")} />}
            </Field>
          )}

          {(runtimeType === "npx" || runtimeType === "uvx" || runtimeType === "containerized") && (
            <Field id={fieldId("runtime.args")} label="Arguments" error={err("runtime.args")} hint="One argument per line." className="md:col-span-2">
              {(p) => <textarea {...p} {...register("runtime.args")} rows={3} spellCheck={false} className={cn(inputClasses, "font-mono text-[13px]")} />}
            </Field>
          )}

          <Field
            id={fieldId("transport")}
            label="Transport"
            error={err("transport")}
            hint={
              runtimeType === "none"
                ? undefined
                : `What Obot speaks to it. ${RUNTIME_LABELS[runtimeType]} runtimes speak ${transportsFor(runtimeType).join(" or ")}.`
            }
          >
            {(p) => (
              <select {...p} {...register("transport")} className={inputClasses}>
                <option value="">Default ({defaultTransport(runtimeType === "none" ? null : runtimeType)})</option>
                {allowedTransports.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>

        {runtimeType === "remote" && (
          <div className="mt-6">
            <Rows kind="header" control={control} register={register} errors={errors} />
          </div>
        )}
      </Panel>

      <Panel title="Listing and access">
        <div className="grid gap-5 md:grid-cols-2">
          <Field
            id={fieldId("scope")}
            label="Scope"
            error={err("scope")}
            hint="Who can be granted it: any subject (organization) down to single tenants (personal)."
          >
            {(p) => (
              <select {...p} {...register("scope")} className={inputClasses}>
                {SCOPES.map((s) => (
                  <option key={s} value={s}>
                    {SCOPE_LABELS[s]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {scope === "personal" && (
            <Field id={fieldId("ownerTenant")} label="Owner tenant" error={err("ownerTenant")} hint="The one tenant that may be granted this personal server.">
              {(p) => <input {...p} {...register("ownerTenant")} placeholder="tenant name" className={inputClasses} />}
            </Field>
          )}
          <Field
            id={fieldId("serverUserType")}
            label="Server user type"
            error={err("serverUserType")}
            hint="Single user: one deployment per user. Multi user: one shared deployment."
          >
            {(p) => (
              <select {...p} {...register("serverUserType")} className={inputClasses}>
                {SERVER_USER_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {USER_TYPE_LABELS[t]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id={fieldId("categories")} label="Categories" error={err("categories")} hint="Comma-separated, e.g. Developer Tools, Version Control.">
            {(p) => <input {...p} {...register("categories")} list="known-categories" className={inputClasses} />}
          </Field>
          <Field id={fieldId("capabilities")} label="Capabilities" error={err("capabilities")} hint="Comma-separated labels, e.g. read, write.">
            {(p) => <input {...p} {...register("capabilities")} className={inputClasses} />}
          </Field>
          <Field id={fieldId("icon")} label="Icon URL" error={err("icon")}>
            {(p) => <input {...p} {...register("icon")} type="url" placeholder="https://…/icon.svg" className={inputClasses} />}
          </Field>
          <Field id={fieldId("repoUrl")} label="Repository URL" error={err("repoUrl")}>
            {(p) => <input {...p} {...register("repoUrl")} type="url" placeholder="https://github.com/…" className={inputClasses} />}
          </Field>
        </div>
        {props.categories && props.categories.length > 0 && (
          <datalist id="known-categories">
            {props.categories.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        )}
      </Panel>

      <Panel title="Environment">
        <Rows kind="env" control={control} register={register} errors={errors} />
      </Panel>

      <Panel title="Tool preview">
        <Field
          id={fieldId("toolPreview")}
          label="Tools (JSON or YAML)"
          error={err("toolPreview")}
          hint="A list of {name, description, params}; params maps a parameter to its description. Shown in Obot before anyone connects."
        >
          {(p) => (
            <textarea
              {...p}
              {...register("toolPreview")}
              rows={8}
              spellCheck={false}
              placeholder={'[\n  { "name": "search", "description": "Search the docs", "params": { "query": "What to look for" } }\n]'}
              className={cn(inputClasses, "font-mono text-[13px]")}
            />
          )}
        </Field>
      </Panel>

      <div className="sticky bottom-0 -mx-4 flex items-center justify-end gap-3 border-t border-slate-200 bg-slate-50/95 px-4 py-3 backdrop-blur sm:-mx-6 sm:px-6 lg:-mx-8 lg:px-8">
        <Link href={base ? `/servers/${base.name}` : "/servers"} className={buttonClasses({ variant: "ghost" })}>
          Cancel
        </Link>
        <Button type="submit" variant="primary" disabled={submitting}>
          {submitting ? "Saving…" : mode.kind === "create" ? "Create server" : "Save changes"}
        </Button>
      </div>

      <Dialog
        open={renameConfirm !== null}
        onClose={() => setRenameConfirm(null)}
        title="Change the display name of a published server?"
        description={
          <>
            <p>
              <strong>{base?.displayName}</strong> is published. Obot keys its catalog entries by display name, so for Obot a new display name is a new server:
              on its next sync it <strong>deletes the old entry and shuts down servers deployed from it</strong>, then offers the server under its new name.
              Users must set it up again.
            </p>
            <p className="text-xs text-slate-500">{renameConfirm?.message}</p>
          </>
        }
        footer={
          <>
            <Button onClick={() => setRenameConfirm(null)}>Cancel</Button>
            <Button
              variant="danger"
              disabled={submitting}
              onClick={async () => {
                const values = pendingValues.current;
                setRenameConfirm(null);
                if (values) await save(values, true);
              }}
            >
              Change the display name
            </Button>
          </>
        }
      />
    </form>
  );
}

/** Environment variable or header declarations, one card per row. */
function Rows({
  kind,
  control,
  register,
  errors,
}: {
  kind: "env" | "header";
  control: Control<ServerFormValues>;
  register: UseFormRegister<ServerFormValues>;
  errors: Parameters<typeof errorMessageAt>[0];
}) {
  const name = kind === "env" ? "env" : "runtime.headers";
  const { fields, append, remove } = useFieldArray({ control, name: name as "env" });
  const rows = useWatch({ control, name: name as "env" }) ?? [];
  const noun = kind === "env" ? "Variable" : "Header";

  return (
    <div>
      <div className="mb-3 flex items-center justify-between gap-4">
        <div>
          <h3 className="text-sm font-medium text-slate-800">{kind === "env" ? "Environment variables" : "Headers"}</h3>
          <p className="text-xs text-slate-500">
            {kind === "env"
              ? "What each user (or the admin, for fixed values) supplies when connecting. Sensitive values are never stored here."
              : "HTTP headers Obot sends, e.g. Authorization with prefix “Bearer ”. Sensitive values are never stored here."}
          </p>
        </div>
        <Button size="sm" onClick={() => append((kind === "env" ? emptyEnvRow() : emptyHeaderRow()) as never)}>
          + Add {noun.toLowerCase()}
        </Button>
      </div>
      <FieldError id={fieldId(name)} message={errorMessageAt(errors, name)} />
      {fields.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 px-4 py-3 text-sm text-slate-500">None declared.</p>
      ) : (
        <ol className="space-y-3">
          {fields.map((field, index) => {
            const row = `${name}.${index}`;
            const sensitive = Boolean(rows[index]?.sensitive);
            const text = (
              column: string,
              label: string,
              extra?: { mono?: boolean; required?: boolean; disabled?: boolean; placeholder?: string; className?: string },
            ) => {
              const path = `${row}.${column}`;
              const error = errorMessageAt(errors, path);
              const id = fieldId(path);
              return (
                <div className={extra?.className}>
                  <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-700">
                    {label}
                    {extra?.required && (
                      <span className="text-red-600" aria-hidden>
                        {" "}
                        *
                      </span>
                    )}
                  </label>
                  <input
                    {...controlProps(id, { error })}
                    {...register(path as "env.0.key")}
                    disabled={extra?.disabled}
                    placeholder={extra?.placeholder}
                    spellCheck={false}
                    className={cn(inputClasses, extra?.mono && "font-mono")}
                  />
                  <FieldError id={id} message={error} />
                </div>
              );
            };
            const check = (column: string, label: string) => (
              <label className="flex items-center gap-2 text-sm text-slate-700">
                <input type="checkbox" {...register(`${row}.${column}` as "env.0.required")} className={checkboxClasses} />
                {label}
              </label>
            );
            return (
              <li key={field.id} className="rounded-md bg-slate-50 p-3 ring-1 ring-slate-200" aria-label={`${noun} ${index + 1}`}>
                <div className="grid gap-3 md:grid-cols-6">
                  {text("key", kind === "env" ? "Variable name" : "Header name", {
                    mono: true,
                    required: true,
                    className: "md:col-span-2",
                    placeholder: kind === "env" ? "API_KEY" : "Authorization",
                  })}
                  {text("name", "Label", { className: "md:col-span-2", placeholder: kind === "env" ? "API key" : "Access token" })}
                  {kind === "header"
                    ? text("prefix", "Prefix", { mono: true, className: "md:col-span-2", placeholder: "Bearer " })
                    : text("value", "Fixed value", {
                        mono: true,
                        disabled: sensitive,
                        className: "md:col-span-2",
                        placeholder: sensitive ? "supplied by each user" : "optional",
                      })}
                  {text("description", "Description", { className: "md:col-span-4" })}
                  {kind === "header" &&
                    text("value", "Fixed value", {
                      mono: true,
                      disabled: sensitive,
                      className: "md:col-span-2",
                      placeholder: sensitive ? "supplied by each user" : "optional",
                    })}
                  <div className={cn("flex flex-wrap items-end gap-x-4 gap-y-2 pb-1.5", kind === "env" ? "md:col-span-2" : "md:col-span-6")}>
                    {check("required", "Required")}
                    {check("sensitive", "Sensitive")}
                    {kind === "env" && check("file", "File")}
                    <Button
                      size="sm"
                      variant="quiet-danger"
                      className="ml-auto"
                      onClick={() => remove(index)}
                      aria-label={`Remove ${noun.toLowerCase()} ${index + 1}`}
                    >
                      Remove
                    </Button>
                  </div>
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
