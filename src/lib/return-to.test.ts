import { describe, expect, it } from "vitest";
import { loginHref, returnToAfterSignIn } from "./return-to";

describe("returning after sign-in", () => {
  it("goes back to same-site paths, never to another site or back to the login page", () => {
    expect(returnToAfterSignIn("/audit?actor=a")).toBe("/audit?actor=a");
    expect(returnToAfterSignIn("https://evil.example/")).toBe("/");
    expect(returnToAfterSignIn("//evil.example")).toBe("/");
    expect(returnToAfterSignIn("/login?returnTo=/x")).toBe("/");
    expect(returnToAfterSignIn("/setup#token=x")).toBe("/");
    expect(returnToAfterSignIn("/logins")).toBe("/logins");
  });

  it("links to the login page with the path to return to", () => {
    expect(loginHref("/servers/github")).toBe("/login?returnTo=%2Fservers%2Fgithub");
    expect(loginHref("/")).toBe("/login");
    expect(loginHref(null)).toBe("/login");
    expect(loginHref("/audit", { expired: true })).toBe("/login?returnTo=%2Faudit&session=expired");
  });
});
