import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy } from "./server/security-headers";

/**
 * Gives every page a fresh script nonce and the CSP that requires it, and tells server components
 * which path was asked for (x-pathname), so a page that needs sign-in can come back to it.
 */
export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  requestHeaders.set("x-pathname", pathWithSearch(request.nextUrl));
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

/** The path and query the user sees, without the router's own cache-busting parameter. */
function pathWithSearch(url: URL): string {
  const search = new URLSearchParams(url.search);
  search.delete("_rsc");
  const query = search.toString();
  return query ? `${url.pathname}?${query}` : url.pathname;
}

export const config = {
  matcher: [
    {
      // Every path but the API's own (/api and /api/…, which get API_CONTENT_SECURITY_POLICY from
      // next.config.ts) and static files: a page whose path merely starts with "api"
      // (/api-reference) needs its nonce and CSP like any other.
      source: "/((?!api(?:/|$)|_next/static/|_next/image(?:/|$)|favicon\\.svg$).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
