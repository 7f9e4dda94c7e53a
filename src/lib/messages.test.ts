import { describe, expect, it } from "vitest";
import { sentence, waitText } from "./messages";

describe("sentence", () => {
  it("capitalizes a leading word and ends with a full stop", () => {
    expect(sentence("e-mail or password is not right")).toBe("E-mail or password is not right.");
    expect(sentence("this setup link is not valid (used, expired)")).toBe("This setup link is not valid (used, expired).");
    expect(sentence("done!")).toBe("Done!");
  });

  it("leaves a message that starts with a name as written", () => {
    expect(sentence("dana@example.com is not in any group")).toBe("dana@example.com is not in any group.");
    expect(sentence("OPENCRANE_ADMIN_EMAIL is not set.")).toBe("OPENCRANE_ADMIN_EMAIL is not set.");
  });
});

describe("waitText", () => {
  it("says seconds under a minute and rounds minutes up", () => {
    expect(waitText(0.2)).toBe("1 s");
    expect(waitText(45)).toBe("45 s");
    expect(waitText(61)).toBe("2 min");
    expect(waitText(900)).toBe("15 min");
  });
});
