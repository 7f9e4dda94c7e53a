"use client";

import { useId, useRef, useState } from "react";
import { cn } from "@/lib/cn";

export interface TabItem {
  id: string;
  label: React.ReactNode;
  content: React.ReactNode;
}

/**
 * WAI-ARIA tabs: one tab stop, arrow keys / Home / End move between tabs. With `urlParam`, the
 * chosen tab is in the address (`?tab=history`; none for the first), so a tab can be linked to.
 */
export function Tabs({ tabs, label, initial, urlParam }: { tabs: TabItem[]; label: string; initial?: string; urlParam?: string }) {
  const [selected, setSelected] = useState(initial && tabs.some((t) => t.id === initial) ? initial : tabs[0]!.id);
  const baseId = useId();
  const refs = useRef<Record<string, HTMLButtonElement | null>>({});

  function choose(id: string) {
    setSelected(id);
    if (!urlParam) return;
    const url = new URL(window.location.href);
    if (id === tabs[0]!.id) url.searchParams.delete(urlParam);
    else url.searchParams.set(urlParam, id);
    // Replaced, not pushed: switching tabs should not fill the back button's history. Next's router keeps in step with it.
    window.history.replaceState(window.history.state, "", url);
  }

  function select(id: string) {
    choose(id);
    refs.current[id]?.focus();
  }

  function onKeyDown(event: React.KeyboardEvent, index: number) {
    const last = tabs.length - 1;
    const target =
      event.key === "ArrowRight"
        ? index === last
          ? 0
          : index + 1
        : event.key === "ArrowLeft"
          ? index === 0
            ? last
            : index - 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? last
              : null;
    if (target === null) return;
    event.preventDefault();
    select(tabs[target]!.id);
  }

  return (
    <div>
      <div role="tablist" aria-label={label} className="flex gap-1 overflow-x-auto border-b border-slate-200">
        {tabs.map((tab, index) => {
          const active = tab.id === selected;
          return (
            <button
              key={tab.id}
              ref={(el) => {
                refs.current[tab.id] = el;
              }}
              type="button"
              role="tab"
              id={`${baseId}-tab-${tab.id}`}
              aria-selected={active}
              aria-controls={`${baseId}-panel-${tab.id}`}
              tabIndex={active ? 0 : -1}
              onClick={() => choose(tab.id)}
              onKeyDown={(event) => onKeyDown(event, index)}
              className={cn(
                "-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium",
                "focus-visible:rounded-t focus-visible:outline-2 focus-visible:outline-indigo-600",
                active ? "border-indigo-600 text-indigo-700" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900",
              )}
            >
              {tab.label}
            </button>
          );
        })}
      </div>
      {tabs.map((tab) => (
        <div
          key={tab.id}
          role="tabpanel"
          id={`${baseId}-panel-${tab.id}`}
          aria-labelledby={`${baseId}-tab-${tab.id}`}
          hidden={tab.id !== selected}
          tabIndex={0}
          className="pt-5 focus-visible:outline-none"
        >
          {tab.id === selected && tab.content}
        </div>
      ))}
    </div>
  );
}
