"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Controller, useForm } from "react-hook-form";
import type { z } from "zod";
import { apiTokenCreateInput, type ApiToken } from "@/server/auth/model";
import { useSession } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { checkboxClasses, Field, inputClasses } from "@/components/ui/field";
import { Dialog, FormDialogFooter } from "@/components/ui/dialog";
import { PageHeader } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { RoleBadge } from "@/components/ui/role-badge";
import { SecretField } from "@/components/ui/secret-field";
import { EmptyState, FormAlert, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { ListCount, Pager, pageCountOf, SearchBox, SortControl, useListView } from "@/components/ui/paged-list";
import { TOKENS_LIST, tokensQueryOf } from "@/lib/list-specs";
import { cn } from "@/lib/cn";
import { domainErrorOf } from "@/lib/domain-error";
import { errorMessageAt, fieldsNamed, FORM_ERROR, showServerErrors } from "@/lib/form";
import { useTRPC, useTRPCClient } from "@/trpc/react";
import { RoleField } from "../users/role-field";
import { RevokeTokenDialog } from "./revoke-token-dialog";

const EXPIRY_CHOICES = [
  { days: 30, label: "30 days" },
  { days: 90, label: "90 days" },
  { days: 365, label: "1 year" },
  { days: null, label: "Never" },
] as const;

const SORT_OPTIONS = [
  { value: "created", label: "Created" },
  { value: "name", label: "Name" },
  { value: "lastUsed", label: "Last used" },
  { value: "expires", label: "Expiry" },
] as const;

type TokenState = "active" | "expired" | "revoked";

function stateOf(token: ApiToken, now = Date.now()): TokenState {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return "expired";
  return "active";
}

const STATE_STYLES: Record<TokenState, string> = {
  active: "text-emerald-800",
  expired: "text-amber-800",
  revoked: "text-slate-500",
};

export function TokensPage() {
  const trpc = useTRPC();
  const me = useSession();
  const { view, change } = useListView(TOKENS_LIST);
  const isAdmin = me.role === "admin";
  const all = isAdmin && view.filters.all === "true";
  const tokens = useQuery(trpc.tokens.page.queryOptions(tokensQueryOf(view), { placeholderData: keepPreviousData }));
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const list = tokens.data?.items ?? [];

  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          <>
            Tokens let scripts and the <code className="font-mono">oc</code> CLI call the REST API as you. A token never has more rights than you have now: if
            your role changes or your account is deactivated, your tokens follow.
          </>
        }
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            Create token
          </Button>
        }
      />

      <div className="mb-3 flex flex-wrap items-end gap-3" role="search" aria-label="Filter tokens">
        <SearchBox
          id="tokens-search"
          label="Search tokens"
          value={view.q}
          placeholder={all ? "name, prefix or owner" : "name or prefix"}
          onSearch={(q) => change({ q })}
          className="w-full text-sm sm:w-64"
        />
        <label className="text-sm">
          <span className="mb-1 block font-medium text-slate-800">Status</span>
          <select value={view.filters.state} onChange={(e) => change({ filters: { state: e.target.value } })} className={inputClasses}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="expired">Expired</option>
            <option value="revoked">Revoked</option>
          </select>
        </label>
        <SortControl id="tokens-sort" sort={view.sort} order={view.order} options={SORT_OPTIONS} onChange={(sort, order) => change({ sort, order })} />
        {isAdmin && (
          <label className="inline-flex items-center gap-2 pb-2 text-sm text-slate-700">
            <input
              type="checkbox"
              className={checkboxClasses}
              checked={all}
              onChange={(event) => change({ filters: { all: event.target.checked ? "true" : "" } })}
            />
            Show every user&apos;s tokens
          </label>
        )}
        {tokens.data && (
          <div className="ml-auto">
            <ListCount shown={tokens.data.total} total={tokens.data.all} noun="token" busy={tokens.isPlaceholderData} />
          </div>
        )}
      </div>

      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.isError ? (
        <LoadError what="the tokens" error={tokens.error} />
      ) : tokens.data.all > 0 && list.length === 0 ? (
        <EmptyState title="No token matches these filters" />
      ) : list.length === 0 ? (
        <div className="rounded-lg bg-white px-6 py-12 text-center shadow-xs ring-1 ring-slate-200">
          <p className="text-sm font-medium text-slate-900">{all ? "Nobody has an API token yet." : "You have no API tokens yet."}</p>
          <p className="mt-1 text-sm text-slate-600">Create one for each script or machine, so you can revoke one without breaking the others.</p>
        </div>
      ) : (
        <div className={cn(tokens.isPlaceholderData && "opacity-60")}>
          <FramedTable
            caption={all ? "Every user's API tokens" : "Your API tokens"}
            columns={["Name", all && "Owner", "Role", "Token", "Created", "Expires", "Last used", "Status", { label: "Actions", srOnly: true, right: true }]}
            head={tableClasses.roomyHead}
            th={tableClasses.roomyTh}
          >
            {list.map((token) => {
              const state = stateOf(token);
              return (
                <tr key={token.id} className={state === "active" ? "" : "text-slate-500"}>
                  <th scope="row" className="px-4 py-3 font-medium text-slate-900">
                    {token.name}
                  </th>
                  {all && <td className="px-4 py-3 text-slate-700">{token.owner}</td>}
                  <td className="px-4 py-3">
                    <RoleBadge role={token.role} />
                  </td>
                  <td className="whitespace-nowrap px-4 py-3 font-mono text-xs text-slate-700">{token.prefix}…</td>
                  <td className="whitespace-nowrap px-4 py-3">
                    <RelativeTime iso={token.createdAt} />
                  </td>
                  <td className="whitespace-nowrap px-4 py-3">{token.expiresAt ? <RelativeTime iso={token.expiresAt} /> : "never"}</td>
                  <td className="whitespace-nowrap px-4 py-3">
                    {token.lastUsedAt ? <RelativeTime iso={token.lastUsedAt} /> : <span className="text-slate-400">never</span>}
                  </td>
                  <td className={cn("whitespace-nowrap px-4 py-3 font-medium", STATE_STYLES[state])}>
                    {state}
                    {state === "revoked" && token.revokedAt && (
                      <span className="block text-xs font-normal">
                        <RelativeTime iso={token.revokedAt} />
                      </span>
                    )}
                  </td>
                  <td className="px-4 py-3 text-right">
                    {state !== "revoked" && (
                      <Button
                        size="sm"
                        variant="quiet-danger"
                        onClick={() => setRevoking(token)}
                        aria-label={`Revoke token ${token.name}${all ? ` of ${token.owner}` : ""}`}
                      >
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              );
            })}
          </FramedTable>
          <Pager page={view.page} pageCount={pageCountOf(tokens.data.total)} onPage={(p) => change({ page: p })} label="Token pages" />
        </div>
      )}

      <CreateTokenDialog open={creating} onClose={() => setCreating(false)} />
      {revoking && <RevokeDialog token={revoking} own={revoking.owner === me.email} onClose={() => setRevoking(null)} />}
    </>
  );
}

type CreateValues = z.input<typeof apiTokenCreateInput>;

function CreateTokenDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const me = useSession();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.tokens.create.mutationOptions());
  const [created, setCreated] = useState<{ token: string; apiToken: ApiToken } | null>(null);
  const {
    register,
    control,
    handleSubmit,
    setError,
    reset,
    formState: { errors, isSubmitting },
  } = useForm<CreateValues>({
    resolver: zodResolver(apiTokenCreateInput),
    defaultValues: { name: "", role: "viewer", expiresInDays: 90 },
  });

  function dismiss() {
    reset({ name: "", role: "viewer", expiresInDays: 90 });
    setCreated(null);
    onClose();
  }

  async function submit(values: CreateValues) {
    try {
      const result = await create.mutateAsync(values as z.output<typeof apiTokenCreateInput>);
      await queryClient.invalidateQueries({ queryKey: trpc.tokens.pathKey() });
      setCreated(result);
    } catch (error) {
      showServerErrors(setError, domainErrorOf(error), fieldsNamed(["name", "role", "expiresInDays"]));
    }
  }

  if (created) {
    return (
      <Dialog
        open={open}
        onClose={dismiss}
        size="lg"
        title={`Token “${created.apiToken.name}” created`}
        footer={
          <Button variant="primary" onClick={dismiss}>
            Done
          </Button>
        }
      >
        <NewTokenSecret secret={created.token} />
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={dismiss}
      size="lg"
      title="Create an API token"
      description="Name it after the script or machine that will use it."
      footer={<FormDialogFooter formId="create-token" label="Create token" pendingLabel="Creating…" pending={isSubmitting} onCancel={dismiss} />}
    >
      <form id="create-token" onSubmit={handleSubmit(submit)} noValidate className="mt-5 space-y-5">
        <FormAlert message={errorMessageAt(errors, FORM_ERROR)} />
        <Field id="token-name" label="Name" required error={errors.name?.message} hint="For example “ci-deploy” or “laptop oc CLI”.">
          {(p) => <input {...p} {...register("name")} autoComplete="off" data-autofocus className={inputClasses} />}
        </Field>
        <Controller
          control={control}
          name="role"
          render={({ field }) => (
            <RoleField
              legend="Role"
              value={field.value}
              onChange={field.onChange}
              max={me.role}
              maxReason={`A token cannot have more rights than you: you are ${me.role}.`}
              error={errors.role?.message}
            />
          )}
        />
        <Controller
          control={control}
          name="expiresInDays"
          render={({ field }) => (
            <fieldset>
              <legend className="mb-1 text-sm font-medium text-slate-800">Expires after</legend>
              <div className="flex flex-wrap gap-2">
                {EXPIRY_CHOICES.map((choice) => (
                  <label
                    key={choice.label}
                    className={cn(
                      "flex cursor-pointer items-center gap-2 rounded-md px-3 py-1.5 text-sm ring-1 ring-inset",
                      "has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-indigo-600",
                      field.value === choice.days ? "bg-indigo-50 ring-indigo-500" : "bg-white ring-slate-300 hover:bg-slate-50",
                    )}
                  >
                    <input
                      type="radio"
                      name="token-expiry"
                      checked={field.value === choice.days}
                      onChange={() => field.onChange(choice.days)}
                      className="size-4 accent-indigo-600 focus:outline-none"
                    />
                    {choice.label}
                  </label>
                ))}
              </div>
              {field.value === null && (
                <p className="mt-1.5 text-xs text-amber-800">A token that never expires works until someone revokes it: prefer an expiry.</p>
              )}
              {errors.expiresInDays?.message && <p className="mt-1.5 text-sm text-red-700">{errors.expiresInDays.message}</p>}
            </fieldset>
          )}
        />
      </form>
    </Dialog>
  );
}

/** The secret, shown once: copyable, with how to use it. */
function NewTokenSecret({ secret }: { secret: string }) {
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const curl = `curl -H "Authorization: Bearer ${secret}" ${origin}/api/v1/mcp-servers`;
  return (
    <div className="mt-4 space-y-4">
      <div role="alert" className="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-inset ring-amber-200">
        <p className="font-semibold">Copy the token now: you will not see it again.</p>
        <p className="mt-1">The console stores only a hash of it. If you lose it, revoke it and create a new one.</p>
      </div>
      <SecretField id="new-token-secret" secret={secret} autoFocus small />
      <div>
        <div className="mb-1 flex items-center justify-between gap-2">
          <p className="text-sm font-medium text-slate-800">Try it</p>
          <CopyButton text={curl} label="Copy command" />
        </div>
        <pre
          data-testid="token-curl"
          className="overflow-x-auto whitespace-pre-wrap break-all rounded-md bg-slate-900 p-3 font-mono text-xs leading-5 text-slate-100"
        >
          {curl}
        </pre>
        <p className="mt-1.5 text-xs text-slate-500">
          For the CLI: <code className="font-mono">OPENCRANE_URL={origin || "https://…"} OPENCRANE_TOKEN=oct_… oc mcp list</code>
        </p>
      </div>
    </div>
  );
}

function RevokeDialog({ token, own, onClose }: { token: ApiToken; own: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  return (
    <RevokeTokenDialog
      name={token.name}
      title={`Revoke token “${token.name}”?`}
      revoke={() => client.tokens.revoke.mutate({ id: token.id })}
      listKey={trpc.tokens.pathKey()}
      onClose={onClose}
      description={
        <p>
          Scripts that use it ({token.prefix}…{own ? "" : `, owned by ${token.owner}`}) get 401 Unauthorized from now on. This cannot be undone; create a new
          token if you need one again.
        </p>
      }
    />
  );
}
