import { expect, it } from "vitest";
import { describeEachDatabase } from "../../../test/support/database";
import { FetchRecorder } from "./fetch-log";

describeEachDatabase("Feed fetch log", (database) => {
  it("reports the fetch recorded last, even when several share one millisecond", async () => {
    const recorder = new FetchRecorder(database().db);
    const at = new Date("2026-11-24T10:00:00.000Z");
    recorder.record("obot", null, 200, "10.0.0.1", at);
    recorder.record("obot", "Go-http-client/1.1", 200, "10.0.0.2", at);
    expect(await recorder.latest("obot")).toMatchObject({ userAgent: "Go-http-client/1.1", remoteAddr: "10.0.0.2" });
    recorder.record("obot", null, 200, "10.0.0.1", at);
    expect(await recorder.latest("obot")).toMatchObject({ userAgent: "(none)", count: 2 });
  });

  it("adds the counts of repeated flushes and keeps them after the pending batch is written", async () => {
    const recorder = new FetchRecorder(database().db);
    recorder.record("contract", "opencrane-pod/1", 200, null);
    await recorder.flush();
    recorder.record("contract", "opencrane-pod/1", 200, null);
    recorder.record("contract", "opencrane-pod/1", 200, null);
    await recorder.flush();
    expect(await recorder.latest("contract")).toMatchObject({ userAgent: "opencrane-pod/1", status: 200, count: 3 });
    expect(await recorder.latest("registry")).toBeNull();
  });

  it("truncates user agents to 200 characters and names a missing one", async () => {
    const recorder = new FetchRecorder(database().db);
    recorder.record("registry", "x".repeat(300), 200, null);
    expect((await recorder.latest("registry"))!.userAgent).toBe("x".repeat(200));
    recorder.record("registry", "", 304, null);
    expect((await recorder.latest("registry"))!.userAgent).toBe("(none)");
  });
});
