import { describe, expect, it } from "vitest";
import { boundedTrpcRequest } from "./body-limit";

const URL_ = "http://cp.test/api/trpc/sources.upload";

describe("tRPC request body cap", () => {
  it("passes a body under the cap on, unchanged, with its headers", async () => {
    const request = new Request(URL_, { method: "POST", headers: { "content-type": "application/json", cookie: "oc_session=x" }, body: '{"text":"a"}' });
    const bounded = await boundedTrpcRequest(request, 1024);
    expect(bounded).toBeInstanceOf(Request);
    expect(await (bounded as Request).text()).toBe('{"text":"a"}');
    expect((bounded as Request).headers.get("cookie")).toBe("oc_session=x");
  });

  it("answers 413 in tRPC's error shape to a declared or streamed body over the cap, without reading it all", async () => {
    const declared = await boundedTrpcRequest(new Request(URL_, { method: "POST", headers: { "content-length": "4096" }, body: "x".repeat(4096) }), 1024);
    expect((declared as Response).status).toBe(413);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(512));
      },
    });
    const streamed = await boundedTrpcRequest(new Request(URL_, { method: "POST", body: endless, duplex: "half" } as RequestInit), 1024);
    expect((streamed as Response).status).toBe(413);
    expect(await (streamed as Response).json()).toMatchObject({ error: { data: { code: "PAYLOAD_TOO_LARGE", httpStatus: 413 } } });
    expect(pulled).toBeLessThan(10);
  });

  it("leaves GET requests (queries) alone", async () => {
    const request = new Request(`${URL_}?input=%7B%7D`);
    expect(await boundedTrpcRequest(request, 1)).toBe(request);
  });
});
