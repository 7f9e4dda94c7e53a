import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { proxy } from "../proxy";
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
