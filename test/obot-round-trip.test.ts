/**
 * Obot entries imported through the REST API, published, and read back from the feed come back as
 * Obot would read the originals. The comparison normalizes only what Obot itself cannot tell
 * apart (see asObotSeesIt): key case, a YAML number or boolean in a string field, zero values vs
 * absent keys. Everything else (e.g. the text of metadata.categories) must come back byte-equal.
 * Plus one addition: the feed always names an entry by entryKey.
 */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { beforeAll, expect, it } from "vitest";
import { sanitizeObotName } from "@/server/catalog/model";
import { obotFeedResponse } from "@/server/feeds/obot-route";
import type { Services } from "@/server/services";
import { describeEachDatabase } from "./support/database";
import { sharedData } from "./support/env";
import { FIXTURES, asObotSeesIt } from "./support/obot";
import { restClient, testServices } from "./support/services";

interface Corpus {
  title: string;
  dir: string;
  available: boolean;
}

const shared = sharedData("data", "obot-mcp-catalog");
const corpora: Corpus[] = [
  { title: "authored fixtures", dir: path.join(FIXTURES, "obot"), available: true },
  { title: `real Obot catalog (${shared.reason})`, dir: shared.path, available: shared.available },
];

function readCorpus(dir: string): { file: string; entry: Record<string, unknown> }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => ({ file, entry: YAML.parse(fs.readFileSync(path.join(dir, file), "utf8")) }));
}

for (const corpus of corpora) {
  describeEachDatabase(`Obot round trip: ${corpus.title}`, (database) => {
    if (!corpus.available) {
      it.skip(`skipped: ${corpus.title}`, () => undefined);
      return;
    }
    const documents = readCorpus(corpus.dir);
    let services: Services;
    let feed: Map<string, unknown>;
    let warnings: { name: string; messages: string[] }[];

    beforeAll(async () => {
      services = await testServices(database());
      const call = restClient(services);
      // One import of every entry, as a YAML stream the way the catalog repository stores them.
      const yaml = documents.map((d) => fs.readFileSync(path.join(corpus.dir, d.file), "utf8")).join("\n---\n");
      const imported = await call("POST", "/api/v1/mcp-servers/import", yaml, { "content-type": "application/yaml" });
      expect(imported.status).toBe(200);
      expect(imported.body.rejected).toEqual([]);
      expect(imported.body.quarantined).toEqual([]);
      expect(imported.body.created).toHaveLength(documents.length);
      warnings = imported.body.warnings;
      for (const name of imported.body.created) {
        const published = await call("POST", `/api/v1/mcp-servers/${name}/publish`);
        expect(published.status, `${name}: ${JSON.stringify(published.body)}`).toBe(200);
      }
      const response = obotFeedResponse(services, new Request("http://cp.test/api/internal/obot-registry"));
      expect(response.status).toBe(200);
      const entries = (await response.json()) as { entryKey: string }[];
      feed = new Map(entries.map((e) => [e.entryKey, e]));
    }, 240_000);

    it("serves one entry per imported file", () => {
      expect(feed.size).toBe(documents.length);
    });

    it.runIf(corpus.dir.startsWith(FIXTURES))("says in the import's warnings what it normalized", () => {
      const of = (name: string) => warnings.find((w) => w.name === name)?.messages ?? [];
      expect(of("acme-status")).toContain(
        "remoteConfig.URLTemplate: read as 'urlTemplate' (Obot matches field names case-insensitively); served as 'urlTemplate'",
      );
      expect(of("acme-queue")).toContain('containerizedConfig.args[1]: the number 9090 is read as the string "9090" (as Obot reads it)');
      expect(of("acme-warehouse")).toContain("toolPreview[0].params: empty (null); read as none");
    });

    it.each(documents.map((d) => [d.file, d.entry] as const))("%s equals the original in every field", (_file, original) => {
      const field = (name: string) => Object.entries(original).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
      const key = typeof field("entryKey") === "string" ? String(field("entryKey")) : sanitizeObotName(String(field("name")));
      const served = feed.get(key);
      expect(served, `no entry '${key}' in the feed`).toBeDefined();
      expect(asObotSeesIt(served)).toEqual(asObotSeesIt({ entryKey: key, ...original }));
    });
  });
}
