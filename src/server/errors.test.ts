import { describe, expect, it, vi } from "vitest";
import { DomainError } from "./errors";

describe("DomainError", () => {
  it("is recognised when thrown by another copy of this module, as Next's separate server bundles do", async () => {
    vi.resetModules();
    const other = await import("./errors");
    expect(other.DomainError).not.toBe(DomainError);
    const error = new other.DomainError("RATE_LIMITED", "too many failed sign-ins", { retryAfter: 60 });
    expect(error instanceof DomainError).toBe(true);
    expect(new DomainError("CONFLICT", "x") instanceof other.DomainError).toBe(true);
  });

  it("is not fooled by other errors, and keeps its JSON shape", () => {
    expect(new Error("x") instanceof DomainError).toBe(false);
    expect(Object.assign(new Error("x"), { name: "DomainError", code: "CONFLICT" }) instanceof DomainError).toBe(false);
    expect((null as unknown) instanceof DomainError).toBe(false);
    // The mark is not enumerable: spreading or serialising an error does not carry it.
    expect(Object.getOwnPropertySymbols({ ...new DomainError("CONFLICT", "x") })).toEqual([]);
  });
});
