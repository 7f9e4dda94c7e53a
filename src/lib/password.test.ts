import { describe, expect, it } from "vitest";
import { generatePassword } from "./password";

describe("generatePassword", () => {
  it("is long enough for the password rule and avoids look-alike characters", () => {
    const password = generatePassword();
    expect(password).toHaveLength(20);
    expect(password).toMatch(/^[A-HJ-NP-Za-km-z2-9]+$/);
    expect(generatePassword()).not.toBe(password);
  });

  it("skips bytes that would bias the choice", () => {
    let call = 0;
    // 255 is above the largest multiple of the alphabet size: never used.
    const random = (bytes: Uint8Array) => bytes.fill(call++ === 0 ? 255 : 0);
    expect(generatePassword(4, random)).toBe("AAAA");
  });
});
