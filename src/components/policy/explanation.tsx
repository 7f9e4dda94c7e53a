"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { Explanation, Match } from "@/server/policy/explain";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Loading } from "@/components/ui/states";
import { domainErrorOf } from "@/lib/domain-error";
import { sentence } from "@/lib/messages";
import { useTRPC } from "@/trpc/react";
import { ServerPattern, SubjectText } from "./subject";
import { TierBadge, tierOf } from "./tier";

/** Why a tenant may or may not use a server, as the compiler decided it. */
export function AccessExplanation({ tenant, server, tool }: { tenant: string; server: string; tool?: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.policy.explain.queryOptions({ tenant, server, ...(tool ? { tool } : {}) }));
  if (query.isPending) return <Loading what="the explanation" />;
  if (query.isError) {
    return (
      <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
        Could not explain this decision: {domainErrorOf(query.error).message}
      </p>
    );
  }
  return <ExplanationView explanation={query.data} />;
}

/** The explanation of one cell of the matrix, or one server on a tenant page. */
export function ExplanationDialog({ tenant, server, tool, onClose }: { tenant: string; server: string; tool?: string; onClose: () => void }) {
  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      focusTitle
      title={`${tenant} × ${server}${tool ? `/${tool}` : ""}`}
      footer={<Button onClick={onClose}>Close</Button>}
    >
      <p className="mt-1 text-sm text-slate-600">
        Open tenant{" "}
        <Link href={`/tenants/${tenant}`} className="font-mono text-indigo-700 hover:underline">
          {tenant}
        </Link>{" "}
        · server{" "}
        <Link href={`/servers/${server}`} className="font-mono text-indigo-700 hover:underline">
          {server}
        </Link>
      </p>
      <div className="mt-4">
        <AccessExplanation tenant={tenant} server={server} tool={tool} />
      </div>
    </Dialog>
  );
}

export function ExplanationView({ explanation }: { explanation: Explanation }) {
  const { decidedBy, matches } = explanation;
  return (
    <div className="space-y-4 text-sm" data-testid="explanation">
      <div className="flex flex-wrap items-center gap-2">
        <TierBadge tier={tierOf(explanation.tier)} />
        <span className="text-slate-500">tier {explanation.tier}</span>
      </div>
      <p className="text-slate-800">
        {/* The summary starts with the tenant's name: an identifier, so it keeps its lowercase. */}
        {explanation.summary.startsWith(explanation.tenant) ? `${explanation.summary.replace(/[.!?]?$/, "")}.` : sentence(explanation.summary)}
      </p>
      <section>
        <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Deciding rule</h3>
        <div className="mt-1">{decidedBy ? <MatchLine match={decidedBy} /> : <p className="text-slate-600">None: {explanation.tierName}.</p>}</div>
      </section>
      {explanation.tools && explanation.tools.length > 0 && (
        <section>
          <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Per tool ({explanation.tools.length})</h3>
          <ul className="mt-1 divide-y divide-slate-100 rounded-md ring-1 ring-slate-200" data-testid="tool-decisions">
            {explanation.tools.map((t) => (
              <li key={t.tool} className="flex flex-wrap items-baseline gap-2 px-3 py-2">
                <code className="font-mono">{t.tool}</code>
                <AccessWord access={t.decision}>{t.decision === "allow" ? "allowed" : "denied"}</AccessWord>
                <span className="text-xs text-slate-500">
                  tier {t.tier}: {t.tierName}
                  {t.decidedBy &&
                    (t.decidedBy.kind === "override" ? ` — own ${t.decidedBy.list} entry ${t.decidedBy.pattern}` : ` — rule ${t.decidedBy.ruleName}`)}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section>
        <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Every matching rule ({matches.length})</h3>
        {matches.length === 0 ? (
          <p className="mt-1 text-slate-600">No override or rule matches this tenant and server.</p>
        ) : (
          <ul className="mt-1 divide-y divide-slate-100 rounded-md ring-1 ring-slate-200">
            {matches.map((match, i) => (
              <li key={i} className="px-3 py-2">
                <MatchLine match={match} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function MatchLine({ match }: { match: Match }) {
  if (match.kind === "override") {
    return (
      <p>
        <AccessWord access={match.list}>{match.list === "allow" ? "Allowed" : "Denied"}</AccessWord> by the tenant&apos;s own{" "}
        <code className="font-mono">mcpPolicy.{match.list}</code> entry <code className="font-mono">{match.pattern}</code>
      </p>
    );
  }
  return (
    <div>
      <p>
        <AccessWord access={match.access}>{match.access === "allow" ? "Allow" : "Deny"}</AccessWord> rule for <SubjectText subject={match.subject} /> on{" "}
        <ServerPattern pattern={match.servers} />
        {!match.applies && <span className="ml-2 text-xs text-amber-800">(does not apply)</span>}
      </p>
      <p className="text-xs text-slate-500">
        Rule{" "}
        <Link href={`/rules#rule-${match.ruleName}`} className="font-mono text-indigo-700 underline">
          {match.ruleName}
        </Link>
        {match.note && <span className="ml-2 text-amber-800">{match.note}</span>}
      </p>
    </div>
  );
}

function AccessWord({ access, children }: { access: "allow" | "deny"; children: React.ReactNode }) {
  return <span className={access === "allow" ? "font-semibold text-emerald-800" : "font-semibold text-red-800"}>{children}</span>;
}
