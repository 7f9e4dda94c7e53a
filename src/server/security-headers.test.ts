import { AsyncLocalStorage } from "node:async_hooks";
import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { config, proxy } from "../proxy";
import { contentSecurityPolicy } from "./security-headers";

describe("page security headers", () => {
  it("allows scripts only with the response's nonce, and never eval in production", () => {
    const csp = contentSecurityPolicy("abc123", false);
    expect(csp).toContain("script-src 'self' 'nonce-abc123' 'strict-dynamic'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(contentSecurityPolicy("abc123", true)).toContain("'unsafe-eval'");
  });

  it("gives every page request a fresh nonce, in the CSP and to the renderer", () => {
    const first = proxy(new NextRequest("http://cp.test/servers"));
    const second = proxy(new NextRequest("http://cp.test/servers"));
    const nonceOf = (csp: string | null) => /'nonce-([^']+)'/.exec(csp ?? "")?.[1];
    const a = nonceOf(first.headers.get("content-security-policy"));
    const b = nonceOf(second.headers.get("content-security-policy"));
    expect(a).toBeTruthy();
    expect(a).not.toBe(b);
    expect(first.headers.get("x-middleware-request-x-nonce")).toBe(a);
  });
});

describe("which requests get the page headers", () => {
  async function matches(url: string, headers: Record<string, string> = {}) {
    // Next's matcher test helper expects the AsyncLocalStorage global its server runtime provides.
    (globalThis as { AsyncLocalStorage?: unknown }).AsyncLocalStorage ??= AsyncLocalStorage;
    const { unstable_doesMiddlewareMatch } = await import("next/experimental/testing/server");
    return unstable_doesMiddlewareMatch({ config, url, headers });
  }

  it.each(["/", "/servers", "/servers/github", "/api-reference", "/api-reference?x=1", "/apis", "/login"])("runs for the page %s", async (url) => {
    expect(await matches(url)).toBe(true);
  });

  it.each([
    "/api",
    "/api/v1/mcp-servers",
    "/api/trpc/catalog.list",
    "/api/internal/obot-registry",
    "/_next/static/chunks/main.js",
    "/_next/image",
    "/favicon.svg",
  ])("leaves %s to the API's own headers (or serves it as a static file)", async (url) => {
    expect(await matches(url)).toBe(false);
  });

  it("skips prefetches, which render nothing with a nonce", async () => {
    expect(await matches("/servers", { "next-router-prefetch": "1" })).toBe(false);
  });
});
