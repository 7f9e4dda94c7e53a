/** The Content-Security-Policy of the console's pages: scripts only with this response's nonce. */
export function contentSecurityPolicy(nonce: string, development: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ""}`,
    // React sets style attributes (positioning, virtualized rows); styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    // Server icons are links to their vendors' images.
    "img-src 'self' data: https:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** For JSON answers: nothing to load, nothing to frame. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** What next.config.ts adds to every answer of the main port. */
export const MAIN_PORT_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "X-Frame-Options": "DENY",
};

/** The main port's headers for /api answers, which the machine feeds' fast path (outside Next.js) sends too. */
export const MAIN_PORT_API_HEADERS: Readonly<Record<string, string>> = { ...MAIN_PORT_HEADERS, "Content-Security-Policy": API_CONTENT_SECURITY_POLICY };
