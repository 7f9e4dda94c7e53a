/** catalog.importFiles: several files (a folder of Obot YAML files) in one upload run, with what became of each file's documents. */
import { beforeAll, expect, it } from "vitest";
import type { Services } from "@/server/services";
import { createCaller } from "@/server/trpc/root";
import { describeEachDatabase } from "./support/database";
import { principalFor, testServices, trpcContext } from "./support/services";

const obot = (name: string, url: string) => `name: ${name}
shortDescription: ${name} tools
runtime: remote
remoteConfig:
  fixedURL: ${url}
`;

describeEachDatabase("catalog.importFiles", (database) => {
  let services: Services;

  beforeAll(async () => {
    services = await testServices(database());
  });

  it("imports every readable file in one run and answers per file, quarantined items and unreadable files included", async () => {
    const editor = createCaller(trpcContext(services, principalFor("editor")));
    const result = await editor.catalog.importFiles({
      files: [
        { name: "weather.yaml", format: "yaml", text: obot("Weather", "https://weather.example.com/mcp") },
        { name: "two.yaml", format: "yaml", text: `${obot("Maps", "https://maps.example.com/mcp")}---\n${obot("Internal", "http://10.0.0.7/mcp")}` },
        { name: "broken.json", format: "json", text: "{ not json" },
      ],
    });
    expect(result.runId).toEqual(expect.any(String));
    expect(result.files.map((f) => f.name)).toEqual(["weather.yaml", "two.yaml", "broken.json"]);
    const [weather, two, broken] = result.files;
    expect(weather!.error).toBeNull();
    expect(weather!.result.created).toHaveLength(1);
    expect(two!.result.created).toHaveLength(1);
    // The private endpoint is a critical finding: held for review, reported with its own file and its index in it.
    expect(two!.result.quarantined).toEqual([expect.objectContaining({ index: 1, name: expect.any(String) })]);
    expect(broken!.error).toMatch(/JSON/i);
    expect(broken!.result.created).toEqual([]);
    const held = await editor.sources.quarantined({});
    expect(held).toHaveLength(1);
  });

  it("answers without a run when no file holds a document, and refuses an empty selection", async () => {
    const editor = createCaller(trpcContext(services, principalFor("editor")));
    const result = await editor.catalog.importFiles({ files: [{ name: "x.json", format: "json", text: "nope" }] });
    expect(result.runId).toBeNull();
    expect(result.files[0]!.error).toEqual(expect.any(String));
    await expect(editor.catalog.importFiles({ files: [] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const viewer = createCaller(trpcContext(services, principalFor("viewer")));
    await expect(viewer.catalog.importFiles({ files: [{ name: "a.yaml", format: "yaml", text: "a: 1" }] })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});
