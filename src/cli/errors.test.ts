import { describe, expect, it } from "vitest";
import { ApiError, ConnectionError, EXIT, formatError, splitFieldErrors } from "./errors";

describe("server errors", () => {
  it("shows a validation failure as its lead sentence and one line per field", () => {
    const details = {
      fieldErrors: { url: ["a registry source needs the registry's https:// base URL"], "runtime.port": ["must be at most 65535"] },
      formErrors: [],
    };
    const error = ApiError.fromResponse(
      422,
      {
        error: {
          code: "VALIDATION_FAILED",
          message: "cannot create source: url: a registry source needs the registry's https:// base URL; runtime.port: must be at most 65535",
          details,
        },
      },
      "Unprocessable Content",
    );
    expect(formatError(error)).toBe(
      "error: cannot create source\n  url: a registry source needs the registry's https:// base URL\n  runtime.port: must be at most 65535",
    );
    expect(error.exitCode).toBe(EXIT.failed);
  });

  it("keeps a message that does not end in its field errors, without repeating them", () => {
    expect(splitFieldErrors("a source named 'x' already exists", { fieldErrors: { name: ["already exists"] } })).toEqual({
      message: "a source named 'x' already exists",
      lines: ["  name: already exists"],
    });
  });

  it("gives scripts an exit code per kind of failure", () => {
    const error = (status: number) => ApiError.fromResponse(status, { error: { code: "X", message: "m", details: {} } }, "");
    expect([401, 403, 404, 409, 422, 500].map((status) => error(status).exitCode)).toEqual([4, 4, 5, 1, 1, 1]);
  });

  it("names the status when the answer is not the API's error shape", () => {
    expect(ApiError.fromResponse(502, "<html>Bad gateway</html>", "Bad Gateway").message).toBe("the server answered 502 Bad Gateway");
  });
});

describe("connection errors", () => {
  it("say which URL could not be reached and why, from fetch's cause", () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED", message: "connect ECONNREFUSED" } });
    const error = new ConnectionError("http://127.0.0.1:3000", refused);
    expect(error.message).toBe("cannot reach the control plane at http://127.0.0.1:3000: connection refused (is the control plane running there?)");
    expect(error.exitCode).toBe(EXIT.unreachable);
  });
});
