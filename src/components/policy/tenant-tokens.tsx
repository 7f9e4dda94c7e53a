"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import type { z } from "zod";
import { tenantTokenCreateInput } from "@/server/policy/model";
import type { TenantToken } from "@/server/policy/tenant-tokens";
import { Button } from "@/components/ui/button";
import { Dialog, FormDialogFooter } from "@/components/ui/dialog";
import { Field, inputClasses } from "@/components/ui/field";
import { RelativeTime } from "@/components/ui/relative-time";
import { SecretField } from "@/components/ui/secret-field";
import { EmptyState, FormAlert, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { domainErrorOf } from "@/lib/domain-error";
import { errorMessageAt, fieldsNamed, FORM_ERROR, showServerErrors, withoutPrefix } from "@/lib/form";
import { useTRPC, useTRPCClient } from "@/trpc/react";
import { RevokeTokenDialog } from "../tokens/revoke-token-dialog";

/** Tokens for a tenant pod outside Kubernetes: issue (secret shown once), list, revoke. Admins only. */
export function TenantTokens({ tenant }: { tenant: string }) {
  const trpc = useTRPC();
  const tokens = useQuery(trpc.tenants.tokens.queryOptions({ name: tenant }));
  const [issuing, setIssuing] = useState(false);
  const [revoking, setRevoking] = useState<TenantToken | null>(null);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-sm text-slate-600">
          Pods outside Kubernetes fetch their contract with one of these as <code className="font-mono">Authorization: Bearer</code>.
        </p>
        <Button variant="primary" onClick={() => setIssuing(true)}>
          Issue token
        </Button>
      </div>
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.isError ? (
        <LoadError what="the tokens" error={tokens.error} />
      ) : tokens.data.length === 0 ? (
        <EmptyState title="No tenant tokens">Pods in Kubernetes use their projected ServiceAccount token instead.</EmptyState>
      ) : (
        <FramedTable caption={`Tokens of ${tenant}`} columns={["Name", "Token", "Created", "Expires", "Last used", { label: "Actions", srOnly: true }]}>
          {tokens.data.map((token) => (
            <tr key={token.id} className={token.revokedAt ? "text-slate-500" : ""}>
              <th scope="row" className={`${tableClasses.td} font-medium`}>
                {token.name}
              </th>
              <td className={`${tableClasses.td} font-mono`}>{token.prefix}…</td>
              <td className={tableClasses.td}>
                <RelativeTime iso={token.createdAt} /> <span className="text-xs text-slate-500">by {token.createdBy}</span>
              </td>
              <td className={tableClasses.td}>{token.expiresAt ? <RelativeTime iso={token.expiresAt} /> : "never"}</td>
              <td className={tableClasses.td}>{token.lastUsedAt ? <RelativeTime iso={token.lastUsedAt} /> : <span className="text-slate-400">never</span>}</td>
              <td className={`${tableClasses.td} text-right`}>
                {token.revokedAt ? (
                  <span>revoked</span>
                ) : (
                  <Button size="sm" variant="quiet-danger" onClick={() => setRevoking(token)} aria-label={`Revoke ${token.name}`}>
                    Revoke
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </FramedTable>
      )}
      {issuing && <IssueTokenDialog tenant={tenant} onClose={() => setIssuing(false)} />}
      {revoking && <RevokeTenantTokenDialog tenant={tenant} token={revoking} onClose={() => setRevoking(null)} />}
    </div>
  );
}

type IssueValues = z.input<typeof tenantTokenCreateInput>;

function IssueTokenDialog({ tenant, onClose }: { tenant: string; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const issue = useMutation(
    trpc.tenants.createToken.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.tenants.tokens.queryKey({ name: tenant }) }),
    }),
  );
  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<IssueValues>({ resolver: zodResolver(tenantTokenCreateInput), defaultValues: { name: "" } });

  async function submit(values: IssueValues) {
    try {
      await issue.mutateAsync({ tenant, token: { name: values.name } });
    } catch (error) {
      const info = domainErrorOf(error);
      showServerErrors(setError, { ...info, fieldErrors: withoutPrefix(info.fieldErrors, "token") }, fieldsNamed(["name"]));
    }
  }

  if (issue.isSuccess) {
    return (
      <Dialog
        open
        onClose={onClose}
        title={`Token for ${tenant}`}
        footer={
          <Button variant="primary" onClick={onClose}>
            Done
          </Button>
        }
      >
        <p className="mt-2 text-sm text-amber-800">Copy it now: it is shown only once.</p>
        <SecretField id="tenant-token-secret" secret={issue.data.token} className="mt-4" />
      </Dialog>
    );
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Issue a token for ${tenant}`}
      description="The token reads this tenant's contract and nothing else. It expires after a year."
      footer={<FormDialogFooter formId="issue-tenant-token" label="Issue token" pendingLabel="Issuing…" pending={issue.isPending} onCancel={onClose} />}
    >
      <form id="issue-tenant-token" noValidate className="mt-5" onSubmit={handleSubmit(submit)}>
        <FormAlert message={errorMessageAt(errors, FORM_ERROR)} className="mb-4" />
        <Field id="tenant-token-name" label="Name" required error={errors.name?.message} hint="Where it is used, e.g. 'laptop pod' or 'ci'.">
          {(p) => <input {...p} {...register("name")} data-autofocus autoComplete="off" className={inputClasses} />}
        </Field>
      </form>
    </Dialog>
  );
}

function RevokeTenantTokenDialog({ tenant, token, onClose }: { tenant: string; token: TenantToken; onClose: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  return (
    <RevokeTokenDialog
      name={token.name}
      title={`Revoke token ${token.name}?`}
      revoke={() => client.tenants.revokeToken.mutate({ tenant, id: token.id })}
      listKey={trpc.tenants.tokens.queryKey({ name: tenant })}
      onClose={onClose}
      description={<p>Pods using it get 401 from the contract endpoint at once.</p>}
    />
  );
}
