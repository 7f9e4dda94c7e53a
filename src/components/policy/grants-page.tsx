"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { WarningKind } from "@/server/policy/warnings";
import { describeSubject, type Grant } from "@/server/policy/model";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/field";
import { PageHeader } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { EmptyState, FramedTable, LoadError, Loading, tableClasses } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { cn } from "@/lib/cn";
import { isExpired } from "@/lib/policy-view";
import { RULES_LIST, rulesQueryOf, type RulesView } from "@/lib/list-specs";
import { ListCount, Pager, pageCountOf, SearchBox, SortControl, useDebouncedValue, useListView } from "@/components/ui/paged-list";
import { useTRPC } from "@/trpc/react";
import { DeleteWithImpactDialog } from "./delete-dialog";
import { GrantFormDialog } from "./grant-form";
import { ACTIONS_COLUMN, RowActions } from "./row-actions";
import { ServerPattern, SubjectText } from "./subject";

type Dialogs = { kind: "create" } | { kind: "edit"; grant: Grant } | { kind: "delete"; grant: Grant };

const SORT_OPTIONS = [
  { value: "created", label: "Created" },
  { value: "access", label: "Access" },
  { value: "subject", label: "Subject" },
  { value: "servers", label: "Servers" },
  { value: "expires", label: "Expiry" },
] as const;

/**
 * The rules, filtered, sorted and paged by the server (grants.page); the view lives in the URL
 * (`?server=…&access=…&page=…`), and other pages link to the rules naming a group or a tenant.
 */
export function GrantsPage() {
  const trpc = useTRPC();
  const { view, change } = useListView(RULES_LIST);
  const grants = useQuery(trpc.grants.page.queryOptions(rulesQueryOf(view), { placeholderData: keepPreviousData }));
  const canEdit = useCan("editor");
  const [dialog, setDialog] = useState<Dialogs | null>(null);
  const close = () => setDialog(null);
  // Expiry is judged once per render of the list; a rule lapsing while the page is open shows on the next refetch.
  // eslint-disable-next-line react-hooks/purity
  const now = Date.now();
  const page = grants.data;

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
      <ReportWarnings />
      {grants.isPending ? (
        <Loading what="rules" />
      ) : grants.isError ? (
        <LoadError what="the rules" error={grants.error} />
      ) : page && page.all === 0 ? (
        <EmptyState title="No rules yet">Without rules no tenant may use any server (default deny), unless its own override allows it.</EmptyState>
      ) : page ? (
        <>
          <GrantFilters view={view} change={change} shown={page.total} total={page.all} busy={grants.isPlaceholderData} />
          {page.items.length === 0 ? (
            <EmptyState title="No rule matches these filters" />
          ) : (
            <>
              <GrantTable
                grants={page.items}
                now={now}
                canEdit={canEdit}
                busy={grants.isPlaceholderData}
                onEdit={(grant) => setDialog({ kind: "edit", grant })}
                onDelete={(grant) => setDialog({ kind: "delete", grant })}
              />
              <Pager page={view.page} pageCount={pageCountOf(page.total)} onPage={(p) => change({ page: p })} label="Rules pages" />
            </>
          )}
        </>
      ) : null}
      {dialog?.kind === "create" && <GrantFormDialog grant={null} onClose={close} />}
      {dialog?.kind === "edit" && <GrantFormDialog grant={dialog.grant} onClose={close} />}
      {dialog?.kind === "delete" && <DeleteGrantDialog grant={dialog.grant} onClose={close} />}
    </>
  );
}

function GrantFilters({
  view,
  change,
  shown,
  total,
  busy,
}: {
  view: RulesView;
  change: ReturnType<typeof useListView<RulesView["sort"], keyof RulesView["filters"]>>["change"];
  shown: number;
  total: number;
  busy: boolean;
}) {
  const filters = view.filters;
  const set = (patch: Partial<RulesView["filters"]>) => change({ filters: patch });
  const naming = filters.group ? { type: "group", name: filters.group } : filters.tenant ? { type: "tenant", name: filters.tenant } : null;
  return (
    <div className="mb-3 flex flex-wrap items-end gap-3" role="search" aria-label="Filter rules">
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Subject</span>
        <select
          value={naming ? naming.type : filters.subjectType}
          onChange={(e) => set({ subjectType: e.target.value, group: "", tenant: "" })}
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
        <select value={filters.access} onChange={(e) => set({ access: e.target.value })} className={inputClasses}>
          <option value="">Allow and deny</option>
          <option value="allow">Allow</option>
          <option value="deny">Deny</option>
        </select>
      </label>
      <SearchBox
        id="rules-server"
        label="Server"
        value={filters.server}
        placeholder="name or pattern"
        onSearch={(server) => set({ server })}
        className="text-sm"
      />
      <label className="text-sm">
        <span className="mb-1 block font-medium text-slate-800">Expiry</span>
        <select value={filters.expiry} onChange={(e) => set({ expiry: e.target.value })} className={inputClasses}>
          <option value="">All</option>
          <option value="active">Not expired</option>
          <option value="expired">Expired</option>
        </select>
      </label>
      <SortControl id="rules-sort" sort={view.sort} order={view.order} options={SORT_OPTIONS} onChange={(sort, order) => change({ sort, order })} />
      {naming && (
        <p className="flex items-center gap-2 self-end py-1.5 text-sm text-slate-700">
          <span>
            Naming {naming.type} <span className="font-mono">{naming.name}</span>
          </span>
          <Button
            size="sm"
            variant="ghost"
            onClick={() => set({ group: "", tenant: "", subjectType: naming.type })}
            aria-label={`Show rules for any ${naming.type}`}
          >
            Clear
          </Button>
        </p>
      )}
      <div className="ml-auto">
        <ListCount shown={shown} total={total} noun="rule" busy={busy} />
      </div>
    </div>
  );
}

function GrantTable({
  grants,
  now,
  canEdit,
  busy,
  onEdit,
  onDelete,
}: {
  grants: (Grant & { deadReason: string | null })[];
  now: number;
  canEdit: boolean;
  busy: boolean;
  onEdit: (grant: Grant) => void;
  onDelete: (grant: Grant) => void;
}) {
  return (
    <FramedTable caption="Rules" busy={busy} columns={["Name", "Access", "Subject", "Servers", "Note", "Expires", canEdit && ACTIONS_COLUMN]}>
      {grants.map((grant) => {
        const expired = isExpired(grant, now);
        return (
          <tr key={grant.id} id={`rule-${grant.name}`} className={cn("target:bg-indigo-50", expired && "text-slate-500")}>
            <th scope="row" className={`${tableClasses.td} whitespace-nowrap font-mono text-sm font-medium`} title={`id ${grant.id}`}>
              {grant.name}
            </th>
            <td className={tableClasses.td}>
              <span className={grant.access === "allow" ? "font-semibold text-emerald-800" : "font-semibold text-red-800"}>{grant.access}</span>
            </td>
            <td className={`${tableClasses.td} min-w-48`}>
              <SubjectText subject={grant.subject} />
              {grant.deadReason && <span className="mt-1 block text-xs text-amber-800">Dead rule: {grant.deadReason}</span>}
            </td>
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
            {canEdit && <RowActions label={`rule ${grant.name}`} onEdit={() => onEdit(grant)} onDelete={() => onDelete(grant)} />}
          </tr>
        );
      })}
    </FramedTable>
  );
}

/** A rule's name in a warning: the rules list narrowed to that rule (by id), its row highlighted. */
function RuleAnchor({ id, name }: { id: string; name: string }) {
  return (
    <Link href={`/rules?id=${encodeURIComponent(id)}#rule-${name}`} className="font-mono underline">
      {name}
    </Link>
  );
}

/** How many warnings of a kind show at once; the kind's own pager shows the rest. */
const WARNINGS_SHOWN = 50;

/**
 * Dead rules and patterns that match nothing active: not errors, but usually a typo or a
 * forgotten publish. Grouped by kind with counts, collapsed, and filterable: at scale there are
 * thousands, so the page loads only the counts (policy.warnings) and an opened kind a page at a time.
 */
function ReportWarnings() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState("");
  const q = useDebouncedValue(filter.trim(), 200);
  const summary = useQuery(trpc.policy.warnings.queryOptions(q ? { q } : {}, { placeholderData: keepPreviousData }));
  const data = summary.data;
  if (!data || data.all === 0) return null;
  return (
    <section aria-label="Policy warnings" className="mb-4 rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900 ring-1 ring-amber-200">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="font-medium">
          {data.all} warning{data.all === 1 ? "" : "s"} from the policy compiler
        </h2>
        <label className="flex items-center gap-2">
          <span className="text-xs font-medium">Filter warnings</span>
          <input
            type="search"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="rule id, server, tenant"
            className={cn(inputClasses, "w-56 py-1")}
          />
        </label>
      </div>
      <div className={cn("mt-2 space-y-1", summary.isPlaceholderData && "opacity-60")}>
        {data.kinds.map((kind) => (
          <WarningKindList key={kind.kind} kind={kind.kind} title={kind.title} count={kind.count} matching={kind.matching} q={q} />
        ))}
      </div>
    </section>
  );
}

function WarningKindList({ kind, title, count, matching, q }: { kind: WarningKind; title: string; count: number; matching: number; q: string }) {
  const [open, setOpen] = useState(false);
  return (
    <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary className="cursor-pointer select-none font-medium">
        {title} <span className="tabular-nums">({q ? `${matching} of ${count}` : count})</span>
      </summary>
      {open && <WarningItems kind={kind} q={q} />}
    </details>
  );
}

/** An opened kind's warnings, a page at a time; back to its first page when the filter changes. */
function WarningItems({ kind, q }: { kind: WarningKind; q: string }) {
  const trpc = useTRPC();
  const [paged, setPaged] = useState({ q, page: 1 });
  const page = paged.q === q ? paged.page : 1;
  const warnings = useQuery(
    trpc.policy.warnings.queryOptions(
      { kind, ...(q ? { q } : {}), offset: (page - 1) * WARNINGS_SHOWN, limit: WARNINGS_SHOWN },
      { placeholderData: keepPreviousData },
    ),
  );
  if (warnings.isPending) return <p className="mt-1 pl-5 text-amber-800">Loading…</p>;
  if (warnings.isError) return <LoadError what="the warnings" error={warnings.error} />;
  return (
    <>
      <ul className={cn("mt-1 list-disc space-y-0.5 pl-5", warnings.isPlaceholderData && "opacity-60")}>
        {warnings.data.items.map((item) => (
          <li key={item.key}>
            {item.rule ? (
              <>
                Rule <RuleAnchor id={item.rule.id} name={item.rule.name} /> {item.message}
              </>
            ) : (
              item.message
            )}
          </li>
        ))}
      </ul>
      <Pager
        page={page}
        pageCount={pageCountOf(warnings.data.total, WARNINGS_SHOWN)}
        onPage={(p) => setPaged({ q, page: p })}
        label={`${kind} warning pages`}
      />
    </>
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
