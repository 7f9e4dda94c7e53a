"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { exactTime } from "@/lib/time";
import { useTRPC } from "@/trpc/react";
import { linkText, serverText } from "./obot-link-text";

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

const STATE_CLASS: Record<string, string> = {
  ok: "text-emerald-700",
  unreachable: "text-red-700",
  off: "text-slate-600",
};

/** The Obot link on the dashboard: sync state, per-server counts, and drift repair. */
export function ObotLinkSummary() {
  const trpc = useTRPC();
  const status = useQuery(trpc.obot.status.queryOptions(undefined, { refetchInterval: 5_000 }));
  const now = useNow(1_000);
  if (!status.data) return null;
  const { link, servers, drift } = status.data;
  const counts = (["in-obot", "missing", "outdated", "error"] as const).map((state) => [state, servers.filter((s) => s.state === state).length] as const);
  const problems = servers.filter((s) => s.state !== "in-obot");
  return (
    <div className="mt-4 border-t border-slate-100 pt-4" data-testid="obot-link">
      <p className="text-sm text-slate-800">
        <span className={`font-medium ${STATE_CLASS[link.state]}`}>Obot link {link.state}</span>
        {" — "}
        <span data-testid="obot-link-text">{linkText(link, now)}</span>
      </p>
      {link.state !== "off" && (
        <>
          <p className="mt-1 text-xs text-slate-500">
            {counts.map(([state, n]) => `${n} ${state === "in-obot" ? "in Obot" : state}`).join(" · ")}
            {link.lastRefreshRequestedAt && ` · refresh last asked ${exactTime(link.lastRefreshRequestedAt)}`}
          </p>
          {problems.length > 0 && (
            <ul className="mt-2 space-y-0.5 text-xs text-amber-800">
              {problems.slice(0, 10).map((s) => (
                <li key={s.name}>
                  <span className="font-mono">{s.name}</span>: {serverText(link, s, now)}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
      <p className="mt-2 text-xs text-slate-600" data-testid="obot-drift">
        {drift.state === "off"
          ? "Drift repair of Obot's Deployment is off (OPENCRANE_OBOT_DEPLOYMENT)."
          : `Drift repair (${drift.mode}) of ${drift.deployment}: ${drift.state}${drift.message ? ` — ${drift.message}` : ""}`}
      </p>
    </div>
  );
}

/** One server's state in Obot, for its page. */
export function ObotServerState({ name }: { name: string }) {
  const trpc = useTRPC();
  const status = useQuery(trpc.obot.status.queryOptions(undefined, { refetchInterval: 5_000 }));
  const now = useNow(1_000);
  if (!status.data) return null;
  const server = status.data.servers.find((s) => s.name === name);
  const tone = server?.state === "in-obot" ? "text-emerald-700" : status.data.link.state === "off" ? "text-slate-600" : "text-amber-800";
  return (
    <p className={`mt-2 text-sm font-medium ${tone}`} data-testid="obot-server-state">
      {serverText(status.data.link, server, now)}
    </p>
  );
}
