/** OpenCrane's mark: a tower crane lifting a block (the same drawing as public/favicon.svg). */
export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden className={className}>
      <rect width="32" height="32" rx="7" fill="#0f172a" />
      <g fill="none" stroke="#38bdf8" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
        <path d="M11 25V6M6 10h20M11 6l13 4M11 6l-5 4M7 25h8M11 14l-3-4" />
        <path d="M22 10v7" strokeWidth="1.5" />
      </g>
      <rect x="19.5" y="17" width="5" height="4.5" rx="1" fill="#fbbf24" />
    </svg>
  );
}

/** The mark and the product's name, as the shell and the sign-in pages show them. */
export function Logo({ size = "md", tone = "light" }: { size?: "md" | "lg"; tone?: "light" | "dark" }) {
  return (
    <span className="flex items-center gap-2">
      <LogoMark className={size === "lg" ? "size-9" : "size-7"} />
      <span className={`${size === "lg" ? "text-xl" : "text-base"} font-semibold tracking-tight ${tone === "dark" ? "text-white" : "text-slate-900"}`}>
        Open<span className="text-sky-500">Crane</span>
      </span>
    </span>
  );
}
