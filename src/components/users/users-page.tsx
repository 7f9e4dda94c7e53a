"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Controller, useForm } from "react-hook-form";
import type { z } from "zod";
import { passwordResetInput, userCreateInput, type User } from "@/server/auth/model";
import { ROLES, type Role } from "@/server/auth/roles";
import { useSession } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { ConfirmDialog, Dialog, FormDialogFooter } from "@/components/ui/dialog";
import { Field, inputClasses } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { RoleBadge } from "@/components/ui/role-badge";
import { EmptyState, FormAlert, FramedTable, LoadError, Loading } from "@/components/ui/states";
import { ListCount, Pager, pageCountOf, SearchBox, SortControl, useListView } from "@/components/ui/paged-list";
import { cn } from "@/lib/cn";
import { USERS_LIST, usersQueryOf } from "@/lib/list-specs";
import { useToast } from "@/components/ui/toast";
import { domainErrorOf } from "@/lib/domain-error";
import { errorMessageAt, fieldsNamed, FORM_ERROR, showServerErrors } from "@/lib/form";
import { useTRPC } from "@/trpc/react";
import { PasswordInput } from "./password-input";
import { RoleField } from "./role-field";

const SORT_OPTIONS = [
  { value: "email", label: "E-mail" },
  { value: "name", label: "Name" },
  { value: "role", label: "Role" },
  { value: "lastSignIn", label: "Last sign-in" },
] as const;

type Dialogs =
  | { kind: "create" }
  | { kind: "role"; user: User }
  | { kind: "password"; user: User }
  | { kind: "deactivate"; user: User }
  | { kind: "reactivate"; user: User };

/** A change to your own account ends your session (the server drops it): sign in again. */
function afterOwnChange() {
  // A full page load on purpose: nothing cached for the ended session may survive into the next one.
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign("/login?session=expired");
}

export function UsersPage({ localAccounts }: { localAccounts: boolean }) {
  const trpc = useTRPC();
  const me = useSession();
  const { view, change } = useListView(USERS_LIST);
  const users = useQuery(trpc.users.page.queryOptions(usersQueryOf(view), { placeholderData: keepPreviousData }));
  const [dialog, setDialog] = useState<Dialogs | null>(null);
  const close = () => setDialog(null);

  const list = users.data?.items ?? [];
  const all = users.data?.all ?? 0;
  const admins = users.data?.activeAdmins ?? 0;

  return (
    <>
      <PageHeader
        title="Users"
        description={
          localAccounts
            ? "Everyone who can sign in to this console, and what their role lets them do."
            : "Everyone who has signed in through your identity provider. Their role comes from their groups and is set again at every sign-in."
        }
        actions={
          localAccounts && (
            <Button variant="primary" onClick={() => setDialog({ kind: "create" })}>
              Add user
            </Button>
          )
        }
      />

      {users.isPending ? (
        <Loading what="users" />
      ) : users.isError ? (
        <LoadError what="the users" error={users.error} />
      ) : (
        <>
          <div className="mb-3 flex flex-wrap items-end gap-3" role="search" aria-label="Filter users">
            <SearchBox
              id="users-search"
              label="Search users"
              value={view.q}
              placeholder="e-mail or name"
              onSearch={(q) => change({ q })}
              className="w-full text-sm sm:w-72"
            />
            <label className="text-sm">
              <span className="mb-1 block font-medium text-slate-800">Role</span>
              <select value={view.filters.role} onChange={(e) => change({ filters: { role: e.target.value } })} className={inputClasses}>
                <option value="">Any role</option>
                {ROLES.map((role) => (
                  <option key={role} value={role}>
                    {role}
                  </option>
                ))}
              </select>
            </label>
            <label className="text-sm">
              <span className="mb-1 block font-medium text-slate-800">Status</span>
              <select value={view.filters.status} onChange={(e) => change({ filters: { status: e.target.value } })} className={inputClasses}>
                <option value="">Active and deactivated</option>
                <option value="active">Active</option>
                <option value="deactivated">Deactivated</option>
              </select>
            </label>
            <SortControl id="users-sort" sort={view.sort} order={view.order} options={SORT_OPTIONS} onChange={(sort, order) => change({ sort, order })} />
            <div className="ml-auto">
              <ListCount shown={users.data!.total} total={all} noun="user" busy={users.isPlaceholderData} />
            </div>
          </div>
          {list.length === 0 ? (
            <EmptyState title="No user matches these filters" />
          ) : (
            <div className={cn(users.isPlaceholderData && "opacity-60")}>
              <FramedTable
                caption="Users"
                columns={["User", "Role", "Sign-in", "Status", "Last sign-in", "Created", { label: "Actions", srOnly: true, right: true }]}
              >
                {list.map((user) => (
                  <tr key={user.id} className={user.active ? "" : "bg-slate-50/70 text-slate-500"}>
                    <th scope="row" className="px-3 py-3 font-normal">
                      <span className="block font-medium text-slate-900">
                        {user.displayName || user.email}
                        {user.email === me.email && <span className="ml-2 text-xs font-normal text-slate-500">(you)</span>}
                      </span>
                      {user.displayName && <span className="block text-slate-600">{user.email}</span>}
                    </th>
                    <td className="px-3 py-3">
                      <RoleBadge role={user.role} />
                    </td>
                    <td className="whitespace-nowrap px-3 py-3 text-slate-700">{user.kind === "oidc" ? "Identity provider" : "Password"}</td>
                    <td className="px-3 py-3">
                      {user.active ? (
                        <span className="inline-flex items-center gap-1.5 text-emerald-800">
                          <span aria-hidden className="size-1.5 rounded-full bg-emerald-500" />
                          active
                        </span>
                      ) : (
                        <span className="inline-flex items-center gap-1.5 text-slate-600">
                          <span aria-hidden className="size-1.5 rounded-full bg-slate-400" />
                          deactivated
                        </span>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-3 py-3 text-slate-700">
                      {user.lastSignInAt ? <RelativeTime iso={user.lastSignInAt} /> : <span className="text-slate-400">never</span>}
                    </td>
                    <td className="px-3 py-3 text-slate-700">
                      <span className="block whitespace-nowrap">
                        <RelativeTime iso={user.createdAt} />
                      </span>
                      <span className="block max-w-44 break-all text-xs text-slate-500">by {user.createdBy}</span>
                    </td>
                    <td className="px-3 py-3">
                      <div className="flex justify-end gap-1.5">
                        <Button size="sm" onClick={() => setDialog({ kind: "role", user })} aria-label={`Change role of ${user.email}`}>
                          Change role
                        </Button>
                        {user.kind === "local" && (
                          <Button size="sm" onClick={() => setDialog({ kind: "password", user })} aria-label={`Reset password of ${user.email}`}>
                            Reset password
                          </Button>
                        )}
                        {user.active ? (
                          <Button
                            size="sm"
                            variant="quiet-danger"
                            onClick={() => setDialog({ kind: "deactivate", user })}
                            aria-label={`Deactivate ${user.email}`}
                          >
                            Deactivate
                          </Button>
                        ) : (
                          <Button size="sm" variant="ghost" onClick={() => setDialog({ kind: "reactivate", user })} aria-label={`Reactivate ${user.email}`}>
                            Reactivate
                          </Button>
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
              </FramedTable>
              <Pager page={view.page} pageCount={pageCountOf(users.data!.total)} onPage={(p) => change({ page: p })} label="User pages" />
            </div>
          )}
        </>
      )}
      {users.isSuccess && (
        <p className="mt-3 text-xs text-slate-500">
          {all} user{all === 1 ? "" : "s"}, {admins} active admin{admins === 1 ? "" : "s"}. Deactivating a user or changing their role ends their sessions at
          once; their API tokens never have more rights than they have now.
        </p>
      )}

      <CreateUserDialog open={dialog?.kind === "create"} onClose={close} />
      {dialog?.kind === "role" && <ChangeRoleDialog user={dialog.user} self={dialog.user.email === me.email} onClose={close} />}
      {dialog?.kind === "password" && <ResetPasswordDialog user={dialog.user} self={dialog.user.email === me.email} onClose={close} />}
      {(dialog?.kind === "deactivate" || dialog?.kind === "reactivate") && (
        <ActiveDialog user={dialog.user} active={dialog.kind === "reactivate"} self={dialog.user.email === me.email} onClose={close} />
      )}
    </>
  );
}

function useUpdateUser(onDone: (user: User) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.users.update.mutationOptions({
      onSuccess: async (user) => {
        await queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
        onDone(user);
      },
    }),
  );
}

type CreateValues = z.input<typeof userCreateInput>;

function CreateUserDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.users.create.mutationOptions());
  const {
    register,
    control,
    handleSubmit,
    setError,
    setValue,
    reset,
    formState: { errors, isSubmitting },
  } = useForm<CreateValues>({
    resolver: zodResolver(userCreateInput),
    defaultValues: { email: "", displayName: "", role: "viewer", password: "" },
  });

  function dismiss() {
    reset();
    onClose();
  }

  async function submit(values: CreateValues) {
    try {
      const user = await create.mutateAsync(values as z.output<typeof userCreateInput>);
      await queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
      toast(`Added ${user.email} as ${user.role}. Give them their initial password through a safe channel.`);
      dismiss();
    } catch (error) {
      showServerErrors(setError, domainErrorOf(error), fieldsNamed(["email", "displayName", "role", "password"]));
    }
  }

  return (
    <Dialog
      open={open}
      onClose={dismiss}
      size="lg"
      title="Add a user"
      description="They sign in with their e-mail and this initial password. Pass the password on through a safe channel; you can reset it later."
      footer={<FormDialogFooter formId="create-user" label="Add user" pendingLabel="Adding…" pending={isSubmitting} onCancel={dismiss} />}
    >
      <form id="create-user" onSubmit={handleSubmit(submit)} noValidate className="mt-5 space-y-4">
        <FormAlert message={errorMessageAt(errors, FORM_ERROR)} />
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="user-email" label="E-mail" required error={errors.email?.message}>
            {(p) => <input {...p} {...register("email")} type="email" autoComplete="off" data-autofocus className={inputClasses} />}
          </Field>
          <Field id="user-name" label="Name" error={errors.displayName?.message}>
            {(p) => <input {...p} {...register("displayName")} autoComplete="off" className={inputClasses} />}
          </Field>
        </div>
        <Controller
          control={control}
          name="role"
          render={({ field }) => <RoleField legend="Role" value={field.value} onChange={field.onChange} error={errors.role?.message} />}
        />
        <Field id="user-password" label="Initial password" required error={errors.password?.message} hint="At least 12 characters.">
          {(p) => <PasswordInput {...p} {...register("password")} onGenerate={(password) => setValue("password", password, { shouldValidate: true })} />}
        </Field>
      </form>
    </Dialog>
  );
}

function ChangeRoleDialog({ user, self, onClose }: { user: User; self: boolean; onClose: () => void }) {
  const toast = useToast();
  const [role, setRole] = useState<Role>(user.role);
  const update = useUpdateUser((updated) => {
    if (self) return afterOwnChange();
    toast(`${updated.email} is now ${updated.role}.`);
    onClose();
  });
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      onConfirm={() => (role === user.role ? onClose() : update.mutate({ id: user.id, patch: { role } }))}
      pending={update.isPending}
      error={update.isError ? domainErrorOf(update.error).message : null}
      title={`Change the role of ${user.email}`}
      confirmLabel="Change role"
      description={
        <>
          <p>Their current sessions end, so the new role applies at their next sign-in; their API tokens are limited to it at once.</p>
          {user.kind === "oidc" && (
            <p className="text-amber-800">This user signs in through the identity provider: their next sign-in sets the role from their groups again.</p>
          )}
          {self && <p className="text-amber-800">This is your own account: you will be signed out.</p>}
        </>
      }
    >
      <div className="mt-4">
        <RoleField legend="New role" value={role} onChange={setRole} />
      </div>
    </ConfirmDialog>
  );
}

type PasswordValues = z.input<typeof passwordResetInput>;

function ResetPasswordDialog({ user, self, onClose }: { user: User; self: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const reset = useMutation(trpc.users.resetPassword.mutationOptions());
  const {
    register,
    handleSubmit,
    setValue,
    formState: { errors, isSubmitting },
  } = useForm<PasswordValues>({ resolver: zodResolver(passwordResetInput), defaultValues: { password: "" } });

  async function submit(values: PasswordValues) {
    try {
      await reset.mutateAsync({ id: user.id, password: values.password });
      if (self) return afterOwnChange();
      toast(`Set a new password for ${user.email}. Their sessions have ended.`);
      onClose();
    } catch {
      // shown below from reset.error
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Reset the password of ${user.email}`}
      description="Their sessions end at once; they sign in again with the new password. Their API tokens keep working."
      footer={<FormDialogFooter formId="reset-password" label="Set password" pendingLabel="Saving…" pending={isSubmitting} onCancel={onClose} />}
    >
      <form id="reset-password" onSubmit={handleSubmit(submit)} noValidate className="mt-5 space-y-4">
        <FormAlert message={reset.isError ? domainErrorOf(reset.error).message : null} />
        <Field id="reset-password-input" label="New password" required error={errors.password?.message} hint="At least 12 characters.">
          {(p) => (
            <PasswordInput {...p} {...register("password")} autoFocus onGenerate={(password) => setValue("password", password, { shouldValidate: true })} />
          )}
        </Field>
      </form>
    </Dialog>
  );
}

function ActiveDialog({ user, active, self, onClose }: { user: User; active: boolean; self: boolean; onClose: () => void }) {
  const toast = useToast();
  const update = useUpdateUser((updated) => {
    if (self && !active) return afterOwnChange();
    toast(active ? `Reactivated ${updated.email}.` : `Deactivated ${updated.email}.`);
    onClose();
  });
  return (
    <ConfirmDialog
      open
      onClose={onClose}
      onConfirm={() => update.mutate({ id: user.id, patch: { active } })}
      pending={update.isPending}
      error={update.isError ? domainErrorOf(update.error).message : null}
      title={active ? `Reactivate ${user.email}?` : `Deactivate ${user.email}?`}
      confirmLabel={active ? "Reactivate" : "Deactivate"}
      tone={active ? "primary" : "danger"}
      description={
        active ? (
          <p>
            They can sign in again with the {user.role} role{user.kind === "local" ? " and their current password" : ""}, and their API tokens that have not
            expired or been revoked work again.
          </p>
        ) : (
          <>
            <p>
              They can no longer sign in, their sessions end at once and their API tokens stop working. Their changes stay in the audit log. You can reactivate
              them later.
            </p>
            {self && <p className="text-amber-800">This is your own account: you will be signed out.</p>}
          </>
        )
      }
    />
  );
}
