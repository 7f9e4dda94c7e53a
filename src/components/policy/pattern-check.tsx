"use client";

import { useQuery } from "@tanstack/react-query";
import { patternCheckText, type PatternCheck, type ServerTarget } from "@/server/policy/rule-check";
import { cn } from "@/lib/cn";
import { useTRPC } from "@/trpc/react";

/** The servers a rule or override may name (active, draft, degraded), for suggestions and typo checks. */
export function useServerTargets(): { targets: readonly ServerTarget[]; pending: boolean } {
  const trpc = useTRPC();
  const query = useQuery(trpc.policy.serverTargets.queryOptions({}));
  return { targets: query.data ?? [], pending: query.isPending };
}

/** Browser autocomplete for a server pattern input (`list={id}`): every name a rule may target, with its status when not active. */
export function ServerTargetOptions({ id, targets }: { id: string; targets: readonly ServerTarget[] }) {
  return (
    <datalist id={id}>
      {targets.map((t) => (
        <option key={t.name} value={t.name}>
          {t.status === "active" ? undefined : t.status}
        </option>
      ))}
    </datalist>
  );
}

/** What a pattern matches, or why it probably is a mistake, with a button taking the closest name. */
export function PatternCheckNote({
  id,
  pattern,
  check,
  onUse,
}: {
  id?: string;
  /** Shown before the note when several patterns are checked (an override's list). */
  pattern?: string;
  check: PatternCheck;
  onUse: (name: string) => void;
}) {
  const note = patternCheckText(check);
  if (!note) return null;
  const suggestion = check.kind === "no-match" ? check.suggestion : null;
  return (
    <span
      id={id}
      data-testid="pattern-check"
      data-tone={note.tone}
      className={cn("block text-xs", note.tone === "warning" ? "font-medium text-amber-800" : "text-slate-500")}
    >
      {note.tone === "warning" && <span aria-hidden>⚠ </span>}
      {pattern && (
        <>
          <code className="font-mono">{pattern}:</code>{" "}
        </>
      )}
      {note.text}
      {suggestion && (
        <button
          type="button"
          onClick={() => onUse(suggestion.name)}
          className="ml-2 rounded px-1.5 py-0.5 font-medium text-indigo-700 underline hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          Use {suggestion.name}
        </button>
      )}
    </span>
  );
}
