import { expect, it } from "vitest";
import { queryObject } from "./http";

it("queryObject keeps repeated keys as lists and never lets a parameter replace the object's prototype", () => {
  const query = queryObject(new URL("http://x.test/?a=1&b=2&b=3&__proto__=x&__proto__=y"));
  expect(query).toEqual({ a: "1", b: ["2", "3"] });
  expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
});

it("queryObject refuses a NUL character, naming the parameter", () => {
  expect(() => queryObject(new URL("http://x.test/?actor=%00"))).toThrow(/actor.*NUL/);
});
