"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import { cn } from "@/lib/cn";
import { atLeast, type Role } from "@/server/auth/roles";
import { useTRPC } from "@/trpc/react";
import { useSession } from "./session";

/** Every destination of the console, in the order the navigation lists them (the command palette's pages too). */
export const NAV_ITEMS: { href: string; label: string; icon: string; role: Role }[] = [
  { href: "/", label: "Dashboard", icon: "M3 12l9-8 9 8M5 10v10h5v-6h4v6h5V10", role: "viewer" },
  { href: "/servers", label: "Catalog", icon: "M4 6h16M4 12h16M4 18h10", role: "viewer" },
  { href: "/sources", label: "Sources", icon: "M7 18a4 4 0 01-.9-7.9A5 5 0 0116 8a4 4 0 011 7.9M12 12v8m0 0l-3-3m3 3l3-3", role: "viewer" },
  { href: "/review", label: "Review queue", icon: "M12 3l7 3v6c0 4-3 7-7 9-4-2-7-5-7-9V6l7-3zM9 12l2 2 4-4", role: "viewer" },
  { href: "/tenants", label: "Tenants", icon: "M4 7h16M4 12h16M4 17h16M8 4v16", role: "viewer" },
  {
    href: "/groups",
    label: "Groups",
    icon: "M8 11a3 3 0 100-6 3 3 0 000 6zM16 11a3 3 0 100-6 3 3 0 000 6zM2 20v-1a4 4 0 014-4h4a4 4 0 014 4v1M14 15h4a4 4 0 014 4v1",
    role: "viewer",
  },
  { href: "/rules", label: "Rules", icon: "M15 7a3 3 0 11-6 0 3 3 0 016 0zM12 10v11m0-6h3m-3 3h2", role: "viewer" },
  { href: "/access", label: "Access matrix", icon: "M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h6v6h-6z", role: "viewer" },
  { href: "/import", label: "Import", icon: "M12 3v12m0 0l-4-4m4 4l4-4M4 17v3h16v-3", role: "editor" },
  { href: "/audit", label: "Audit log", icon: "M9 5h10M9 12h10M9 19h10M5 5h.01M5 12h.01M5 19h.01", role: "viewer" },
  {
    href: "/users",
    label: "Users",
    icon: "M16 19v-1a4 4 0 00-4-4H7a4 4 0 00-4 4v1M9.5 10a3 3 0 100-6 3 3 0 000 6zM21 19v-1a4 4 0 00-3-3.87M16 4.13a3 3 0 010 5.75",
    role: "admin",
  },
];

function isCurrent(pathname: string, href: string) {
  return href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
}

export function Nav() {
  const pathname = usePathname();
  const { role } = useSession();
  return (
    <nav aria-label="Main">
      <ul className="flex flex-col gap-1">
        {NAV_ITEMS.filter((item) => atLeast(role, item.role)).map((item) => {
          const current = isCurrent(pathname, item.href);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                aria-current={current ? "page" : undefined}
                className={cn(
                  "flex items-center gap-3 whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium",
                  "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-400",
                  current ? "bg-slate-800 text-white" : "text-slate-300 hover:bg-slate-800/60 hover:text-white",
                )}
              >
                <svg
                  viewBox="0 0 24 24"
                  aria-hidden
                  className="size-4 shrink-0"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth={1.8}
                  strokeLinecap="round"
                  strokeLinejoin="round"
                >
                  <path d={item.icon} />
                </svg>
                {item.label}
                {item.href === "/review" && <ReviewCount />}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

/**
 * The navigation where it fits (a sidebar from md up); on narrow screens a Menu button that opens
 * every destination as a panel under the top bar, closed again by a choice, Escape or a click outside.
 */
export function ShellNav() {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);

  // A link followed closes the menu.
  const [shownFor, setShownFor] = useState(pathname);
  if (shownFor !== pathname) {
    setShownFor(pathname);
    setOpen(false);
  }

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  return (
    <>
      <div className="hidden md:mt-6 md:block">
        <Nav />
      </div>
      <div ref={root} className="md:hidden">
        <button
          ref={button}
          type="button"
          aria-expanded={open}
          aria-controls={panelId}
          onClick={() => setOpen(!open)}
          className="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm font-medium text-slate-200 hover:bg-slate-800 focus-visible:outline-2 focus-visible:outline-sky-400"
        >
          <svg viewBox="0 0 24 24" aria-hidden className="size-5" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round">
            <path d={open ? "M6 6l12 12M18 6L6 18" : "M4 7h16M4 12h16M4 17h16"} />
          </svg>
          Menu
        </button>
        {open && (
          <div id={panelId} className="absolute inset-x-0 top-full z-40 max-h-[calc(100dvh-4rem)] overflow-y-auto bg-slate-900 px-3 pb-4 pt-2 shadow-lg">
            <Nav />
          </div>
        )}
      </div>
    </>
  );
}

/** How many items wait in the review queue; nothing when none do. */
function ReviewCount() {
  const trpc = useTRPC();
  // Only the counts: one item of each queue, not the queues.
  const quarantined = useQuery(trpc.sources.reviewPage.queryOptions({ state: "quarantined", limit: 1 }));
  const pendingUpdates = useQuery(trpc.sources.reviewPage.queryOptions({ state: "pending-update", limit: 1 }));
  const count = (quarantined.data?.all ?? 0) + (pendingUpdates.data?.all ?? 0);
  if (count === 0) return null;
  return (
    <span className="ml-auto rounded-full bg-amber-400 px-1.5 text-xs font-semibold tabular-nums text-slate-900" data-testid="review-count">
      {count}
      <span className="sr-only"> waiting</span>
    </span>
  );
}
