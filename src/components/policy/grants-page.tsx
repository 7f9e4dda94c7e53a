"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { PolicyReport } from "@/server/policy/compile";
import { describeSubject, type Grant } from "@/server/policy/model";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { EmptyState, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import { filterGrants, isExpired, type GrantFilter } from "@/lib/policy-view";
import { useTRPC } from "@/trpc/react";
import { DeleteWithImpactDialog } from "./delete-dialog";
import { GrantFormDialog } from "./grant-form";
import { ACTIONS_COLUMN, RowActions } from "./row-actions";
import { ServerPattern, SubjectText } from "./subject";

type Dialogs = { kind: "create" } | { kind: "edit"; grant: Grant } | { kind: "delete"; grant: Grant };

/** The first filter, from the URL: a server page links to `?server=`, a group to `?group=`, a tenant to `?tenant=`. */
function filterFrom(initial: { server: string; group: string; tenant: string }): GrantFilter {
  const subject = initial.group
    ? { subjectType: "group", subjectName: initial.group }
    : initial.tenant
      ? { subjectType: "tenant", subjectName: initial.tenant }
      : {};
  return { expiry: "all", ...subject, ...(initial.server ? { server: initial.server } : {}) };
}

export function GrantsPage({ initial }: { initial: { server: string; group: string; tenant: string } }) {
  const trpc = useTRPC();
  const grants = useQuery(trpc.grants.list.queryOptions({}));
  const report = useQuery(trpc.policy.report.queryOptions());
  const canEdit = useCan("editor");
  const [filter, setFilter] = useState<GrantFilter>(() => filterFrom(initial));
  const [dialog, setDialog] = useState<Dialogs | null>(null);
  const close = () => setDialog(null);
  // Expiry is judged once per render of the list; a rule lapsing while the page is open shows on the next refetch.
  // eslint-disable-next-line react-hooks/purity
  const now = Date.now();
  const list = grants.data ?? [];
  const shown = filterGrants(list, filter, now);

  return (
    <>
      <PageHeader
        title="Rules"
        description="Rules: who may use which servers. A tenant's own override decides first, then deny rules, then allow rules; no rule means no access."
        actions={
          canEdit && (
            <Button variant="primary" onClick={() => setDialog({ kind: "create" })}>
              Create rule
            </Button>
          )
        }
      />
      {report.data && <ReportWarnings report={report.data.report} />}
      {grants.isPending ? (
        <Loading what="rules" />
      ) : grants.isError ? (
        <LoadError what="the rules" error={grants.error} />
      ) : list.length === 0 ? (
        <EmptyState title="No rules yet">Without rules no tenant may use any server (default deny), unless its own override allows it.</EmptyState>
      ) : (
        <>
          <GrantFilters filter={filter} onChange={setFilter} shown={shown.length} total={list.length} />
          {shown.length === 0 ? (
            <EmptyState title="No rule matches these filters" />
          ) : (
            <GrantTable
              grants={shown}
              now={now}
              canEdit={canEdit}
              onEdit={(grant) => setDialog({ kind: "edit", grant })}
              onDelete={(grant) => setDialog({ kind: "delete", grant })}
            />
          )}
        </>
      )}
      {dialog?.kind === "create" && <GrantFormDialog grant={null} onClose={close} />}
      {dialog?.kind === "edit" && <GrantFormDialog grant={dialog.grant} onClose={close} />}
      {dialog?.kind === "delete" && <DeleteGrantDialog grant={dialog.grant} onClose={close} />}
    </>
  );
}

function GrantFilters({ filter, onChange, shown, total }: { filter: GrantFilter; onChange: (filter: GrantFilter) => void; shown: number; total: number }) {
  const set = (patch: Partial<GrantFilter>) => onChange({ ...filter, ...patch });
  return (
    <div className="mb-3 flex flex-wrap items-end gap-3" role="search" aria-label="Filter rules">
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Subject</span>
        <select
          value={filter.subjectType ?? ""}
          onChange={(e) => set({ subjectType: e.target.value || undefined, subjectName: undefined })}
          className={inputClasses}
        >
          <option value="">Any</option>
          <option value="everyone">Everyone</option>
          <option value="group">Group</option>
          <option value="tenant">Tenant</option>
          <option value="selector">Label selector</option>
        </select>
      </label>
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Access</span>
        <select value={filter.access ?? ""} onChange={(e) => set({ access: e.target.value || undefined })} className={inputClasses}>
          <option value="">Allow and deny</option>
          <option value="allow">Allow</option>
          <option value="deny">Deny</option>
        </select>
      </label>
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Server</span>
        <input
          type="search"
          value={filter.server ?? ""}
          onChange={(e) => set({ server: e.target.value })}
          placeholder="name or pattern"
          className={inputClasses}
        />
      </label>
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Expiry</span>
        <select value={filter.expiry ?? "all"} onChange={(e) => set({ expiry: e.target.value as GrantFilter["expiry"] })} className={inputClasses}>
          <option value="all">All</option>
          <option value="active">Not expired</option>
          <option value="expired">Expired</option>
        </select>
      </label>
      {filter.subjectName && (
        <p className="flex items-center gap-2 self-end py-1.5 text-sm text-slate-700">
          <span>
            Naming {filter.subjectType} <span className="font-mono">{filter.subjectName}</span>
          </span>
          <Button size="sm" variant="ghost" onClick={() => set({ subjectName: undefined })} aria-label={`Show rules for any ${filter.subjectType}`}>
            Clear
          </Button>
        </p>
      )}
      <p aria-live="polite" className="ml-auto text-sm text-slate-600">
        {shown} of {total} rule{total === 1 ? "" : "s"}
      </p>
    </div>
  );
}

function GrantTable({
  grants,
  now,
  canEdit,
  onEdit,
  onDelete,
}: {
  grants: (Grant & { deadReason: string | null })[];
  now: number;
  canEdit: boolean;
  onEdit: (grant: Grant) => void;
  onDelete: (grant: Grant) => void;
}) {
  return (
    <FramedTable caption="Rules, oldest first" columns={["Access", "Subject", "Servers", "Note", "Expires", canEdit && ACTIONS_COLUMN]}>
      {grants.map((grant) => {
        const expired = isExpired(grant, now);
        return (
          <tr key={grant.id} id={`rule-${grant.id}`} className={cn("target:bg-indigo-50", expired && "text-slate-500")}>
            <td className={tableClasses.td}>
              <span className={grant.access === "allow" ? "font-semibold text-emerald-800" : "font-semibold text-red-800"}>{grant.access}</span>
            </td>
            <th scope="row" className={`${tableClasses.td} min-w-48 font-normal`}>
              <SubjectText subject={grant.subject} />
              <span className="block whitespace-nowrap font-mono text-xs text-slate-400">{grant.id}</span>
              {grant.deadReason && <span className="mt-1 block text-xs text-amber-800">Dead rule: {grant.deadReason}</span>}
            </th>
            <td className={`${tableClasses.td} whitespace-nowrap`}>
              <ServerPattern pattern={grant.servers} />
            </td>
            <td className={`${tableClasses.td} min-w-40 max-w-xs`}>{grant.note || <span className="text-slate-400">—</span>}</td>
            <td className={`${tableClasses.td} whitespace-nowrap`}>
              {grant.expiresAt ? (
                <>
                  {expired && <span className="mr-1 font-medium text-amber-800">expired</span>}
                  <RelativeTime iso={grant.expiresAt} />
                </>
              ) : (
                <span className="text-slate-400">never</span>
              )}
            </td>
            {canEdit && <RowActions label={`rule ${grant.id}`} onEdit={() => onEdit(grant)} onDelete={() => onDelete(grant)} />}
          </tr>
        );
      })}
    </FramedTable>
  );
}

/** A rule id in a warning, jumping to (and highlighting) its row below. */
function RuleAnchor({ id }: { id: string }) {
  return (
    <a href={`#rule-${id}`} className="font-mono underline">
      {id}
    </a>
  );
}

/** Dead rules and patterns that match nothing active: not errors, but usually a typo or a forgotten publish. */
function ReportWarnings({ report }: { report: PolicyReport }) {
  const items: { key: string; text: React.ReactNode }[] = [
    ...report.deadRules.map((d) => ({
      key: `dead-${d.ruleId}`,
      text: (
        <>
          Rule <RuleAnchor id={d.ruleId} /> is dead: {d.reason}
        </>
      ),
    })),
    ...report.unpublishedMatches.map((u) => ({
      key: `unpublished-${u.pattern}`,
      text: `'${u.pattern}' (${u.usedBy.join(", ")}) matches only servers that are not active: ${u.servers.join(", ")}`,
    })),
    ...report.scopeExcluded.map((s) => ({
      key: `scope-${s.ruleId}`,
      text: (
        <>
          Rule <RuleAnchor id={s.ruleId} /> cannot grant {s.servers.join(", ")}: {s.reason}
        </>
      ),
    })),
    ...report.overrideExcluded.map((o) => ({
      key: `override-${o.tenant}`,
      text: `Tenant ${o.tenant}'s own allow list matches ${o.servers.join(", ")}, which it is never granted: ${o.reason}`,
    })),
    ...report.ownerlessPersonal.map((server) => ({
      key: `ownerless-${server}`,
      text: `Personal server ${server} has no owner tenant, so nobody can be granted it: set its owner tenant`,
    })),
  ];
  if (items.length === 0) return null;
  return (
    <section aria-label="Policy warnings" className="mb-4 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200">
      <h2 className="font-medium">
        {items.length} warning{items.length === 1 ? "" : "s"} from the policy compiler
      </h2>
      <ul className="mt-1 list-disc space-y-0.5 pl-5">
        {items.map((item) => (
          <li key={item.key}>{item.text}</li>
        ))}
      </ul>
    </section>
  );
}

function DeleteGrantDialog({ grant, onClose }: { grant: Grant; onClose: () => void }) {
  const trpc = useTRPC();
  const toast = useToast();
  const remove = useMutation(trpc.grants.delete.mutationOptions());
  return (
    <DeleteWithImpactDialog
      title="Delete this rule?"
      description={
        <p>
          {grant.access} {describeSubject(grant.subject)} on <code className="font-mono">{grant.servers}</code>
        </p>
      }
      run={(dryRun) => remove.mutateAsync({ id: grant.id, dryRun })}
      onDeleted={() => {
        toast("Deleted the rule.");
        onClose();
      }}
      onClose={onClose}
    />
  );
}
