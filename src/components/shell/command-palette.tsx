"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { atLeast, type Role } from "@/server/auth/roles";
import { cn } from "@/lib/cn";
import { foundEntries, isTyping, matchingPages, moveActive, type PaletteEntry, type PaletteKind } from "@/lib/palette";
import { useTRPC } from "@/trpc/react";
import { NAV_ITEMS } from "./nav";
import { useSession } from "./session";

const OPEN_EVENT = "opencrane:open-palette";

const MORE_PAGES: { href: string; label: string; role: Role }[] = [
  { href: "/servers/new", label: "Create server", role: "editor" },
  { href: "/sources/new", label: "Add source", role: "editor" },
  { href: "/settings/tokens", label: "API tokens", role: "viewer" },
  { href: "/api-reference", label: "API reference", role: "viewer" },
];

const KIND_LABELS: Record<PaletteKind, string> = { page: "Page", server: "Server", tenant: "Tenant", group: "Group", rule: "Rule" };

/** Opens the palette from anywhere: the top bar's button, for pointers and small screens. */
export function PaletteButton() {
  return (
    <button
      type="button"
      onClick={() => window.dispatchEvent(new Event(OPEN_EVENT))}
      aria-keyshortcuts="Control+K Meta+K"
      className="flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-sm text-slate-300 hover:bg-slate-800 hover:text-white focus-visible:outline-2 focus-visible:outline-sky-400 md:bg-slate-800/60 md:px-3"
    >
      <svg viewBox="0 0 24 24" aria-hidden className="size-4 shrink-0" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round">
        <path d="M11 18a7 7 0 100-14 7 7 0 000 14zM20 20l-4-4" />
      </svg>
      <span className="sr-only md:not-sr-only">Find…</span>
      <kbd className="ml-auto hidden rounded bg-slate-700 px-1.5 text-[11px] font-sans text-slate-300 md:inline">Ctrl K</kbd>
    </button>
  );
}

/**
 * The command palette (Ctrl/⌘+K): jumps to a page, server, tenant, group or rule by name. A
 * combobox over a listbox: the arrows move the active option, Enter follows it, Escape closes.
 * Also owns "/", which focuses the page's search field (or opens the palette on a page without one).
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        setOpen(true);
        return;
      }
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target as HTMLElement | null)) return;
      if (document.querySelector("dialog[open]")) return;
      event.preventDefault();
      const search = document.querySelector<HTMLInputElement>("main [data-page-search], main input[type=search]");
      if (search) search.focus();
      else setOpen(true);
    };
    const onOpen = () => setOpen(true);
    document.addEventListener("keydown", onKey);
    window.addEventListener(OPEN_EVENT, onOpen);
    return () => {
      document.removeEventListener("keydown", onKey);
      window.removeEventListener(OPEN_EVENT, onOpen);
    };
  }, []);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  return (
    <dialog
      ref={ref}
      aria-label="Find"
      onClose={() => setOpen(false)}
      onClick={(event) => {
        if (event.target === ref.current) setOpen(false);
      }}
      className="mx-auto mt-[12vh] w-[calc(100%-2rem)] max-w-xl rounded-xl bg-white p-0 text-slate-900 shadow-xl ring-1 ring-slate-900/10 backdrop:bg-slate-900/40"
    >
      {open && <PaletteBody onDone={() => setOpen(false)} />}
    </dialog>
  );
}

function PaletteBody({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const router = useRouter();
  const { role } = useSession();
  const [text, setText] = useState("");
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const listId = useId();
  const optionId = (index: number) => `${listId}-option-${index}`;

  useEffect(() => {
    const timer = setTimeout(() => setQuery(text.trim()), 150);
    return () => clearTimeout(timer);
  }, [text]);

  const found = useQuery({ ...trpc.search.find.queryOptions({ q: query }), enabled: query.length > 0, placeholderData: keepPreviousData });
  const pages = [...NAV_ITEMS, ...MORE_PAGES].filter((page) => atLeast(role, page.role));
  const entries: PaletteEntry[] = [...matchingPages(pages, text), ...(query && found.data ? foundEntries(found.data) : [])];
  const current = Math.min(active, entries.length - 1);

  const follow = (entry: PaletteEntry | undefined) => {
    if (!entry) return;
    onDone();
    router.push(entry.href);
  };

  const searching = query.length > 0 && (found.isFetching || query !== text.trim());
  return (
    <div>
      <div className="flex items-center gap-2 border-b border-slate-200 px-4">
        <svg
          viewBox="0 0 24 24"
          aria-hidden
          className="size-4 shrink-0 text-slate-400"
          fill="none"
          stroke="currentColor"
          strokeWidth={1.8}
          strokeLinecap="round"
        >
          <path d="M11 18a7 7 0 100-14 7 7 0 000 14zM20 20l-4-4" />
        </svg>
        <input
          autoFocus
          role="combobox"
          aria-expanded
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={current >= 0 ? optionId(current) : undefined}
          aria-label="Find a page, server, tenant, group or rule"
          placeholder="Find a page, server, tenant, group or rule…"
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setActive(0);
          }}
          onKeyDown={(event) => {
            if (event.key === "ArrowDown" || event.key === "ArrowUp") {
              event.preventDefault();
              setActive(moveActive(current, entries.length, event.key));
            } else if (event.key === "Enter") {
              event.preventDefault();
              follow(entries[current]);
            }
          }}
          className="h-12 w-full min-w-0 bg-transparent text-sm outline-none placeholder:text-slate-400"
        />
      </div>
      <ul id={listId} role="listbox" aria-label="Results" className="max-h-[min(60vh,24rem)] overflow-y-auto p-2">
        {entries.map((entry, index) => (
          <li
            key={entry.id}
            id={optionId(index)}
            role="option"
            aria-selected={index === current}
            onPointerMove={() => setActive(index)}
            onClick={() => follow(entry)}
            className={cn(
              "flex cursor-pointer items-center gap-3 rounded-md px-3 py-2 text-sm",
              index === current ? "bg-indigo-50 text-indigo-900" : "text-slate-800",
            )}
          >
            <span className="w-14 shrink-0 text-xs font-medium text-slate-500">{KIND_LABELS[entry.kind]}</span>
            <span className={cn("min-w-0 truncate", entry.kind !== "page" && "font-mono text-[13px]")}>{entry.label}</span>
            {entry.detail && <span className="ml-auto min-w-0 truncate text-xs text-slate-500">{entry.detail}</span>}
          </li>
        ))}
      </ul>
      <p aria-live="polite" className="border-t border-slate-200 px-4 py-2 text-xs text-slate-500">
        {found.isError
          ? "Search failed; pages are still listed."
          : searching
            ? "Searching…"
            : entries.length === 0
              ? `Nothing matches “${text.trim()}”.`
              : `${entries.length} result${entries.length === 1 ? "" : "s"} · ↑↓ to move, Enter to open, Esc to close`}
      </p>
    </div>
  );
}
