import { describe, expect, it } from "vitest";
import { together } from "./together";

const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
const failingLater = (ms: number, message: string) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms));

describe("together", () => {
  it("answers every result in the order given, whichever finishes first", async () => {
    expect(await together([later(20, "a"), later(1, 2), Promise.resolve(null)])).toEqual(["a", 2, null]);
  });

  it("fails with the first failure in the order given, as running them in turn would, even when a later one fails sooner", async () => {
    await expect(together([later(1, "ok"), failingLater(20, "the subject does not exist"), failingLater(1, "transaction is aborted")])).rejects.toThrow(
      "the subject does not exist",
    );
  });
});
