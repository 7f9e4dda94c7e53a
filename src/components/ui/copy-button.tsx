"use client";

import { useEffect, useState } from "react";
import { Button } from "./button";

export function CopyButton({ text, label = "Copy", className }: { text: string; label?: string; className?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");

  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  }

  return (
    <Button size="sm" onClick={copy} className={className}>
      <svg aria-hidden viewBox="0 0 20 20" fill="none" stroke="currentColor" strokeWidth={1.6} className="size-3.5">
        {state === "copied" ? (
          <path d="M4 10.5l4 4 8-9" />
        ) : (
          <path d="M7 7V4.5A1.5 1.5 0 018.5 3h7A1.5 1.5 0 0117 4.5v7a1.5 1.5 0 01-1.5 1.5H13M4.5 7h7A1.5 1.5 0 0113 8.5v7a1.5 1.5 0 01-1.5 1.5h-7A1.5 1.5 0 013 15.5v-7A1.5 1.5 0 014.5 7z" />
        )}
      </svg>
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed: select and copy" : label}
      <span className="sr-only" aria-live="polite">
        {state === "copied" ? "Copied to the clipboard" : ""}
      </span>
    </Button>
  );
}
