/**
 * The REST adapter over a use case, on its own: how it assembles the arguments from the path,
 * the query string and the body, what it answers, and which route declarations it refuses.
 * No database: the use cases here are stubs, the callers anonymous or the bootstrap token.
 */
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { TEST_CONFIG } from "../../../test/support/services";
import { useCase, type UseCase } from "../application/use-case";
import type { Services } from "../services";
import { createRestRouter } from "./router";
import { useCaseRoute, type UseCaseRouteOptions } from "./use-case-route";

const ADMIN = { authorization: `Bearer ${TEST_CONFIG.auth.bootstrapToken}` };

function fakeServices() {
  const refresh = vi.fn(async () => undefined);
  return { services: { config: TEST_CONFIG, db: {}, snapshots: { refresh, writeStarted: () => () => undefined } } as unknown as Services, refresh };
}

/** A route over the use case, dispatched in-process; the use case's arguments are recorded. */
function serve<Args extends z.ZodObject, Result>(
  definition: Omit<UseCase<Args, Result>, "run"> & { run?: UseCase<Args, Result>["run"] },
  options: UseCaseRouteOptions<Result>,
) {
  const calls: z.output<Args>[] = [];
  const target = useCase({
    ...definition,
    run: async (ctx, args) => {
      calls.push(args);
      return definition.run ? definition.run(ctx, args) : (args as Result);
    },
  });
  const route = useCaseRoute(target, options);
  const dispatch = createRestRouter([route]);
  const { services, refresh } = fakeServices();
  async function call(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
    const headers = { ...ADMIN, ...init.headers };
    const response = await dispatch(services, new Request(`http://cp.test${path}`, { method, headers, body: init.body }));
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : null, headers: response.headers };
  }
  return { call, calls, route, refresh };
}

const asJson = (value: unknown) => ({ body: JSON.stringify(value), headers: { "content-type": "application/json" } });

const thing = z.object({ title: z.string().min(1, "title is required"), tags: z.array(z.string()).default([]) });

describe("useCaseRoute: assembling the arguments", () => {
  it("fills the arguments from the path (renamed where told), the query string and the body", async () => {
    const { call, calls } = serve(
      {
        name: "things.update",
        role: "editor",
        mutates: true,
        args: z.object({ owner: z.string(), id: z.string(), note: z.string().optional(), patch: thing }),
      },
      {
        method: "PATCH",
        path: "/api/v1/owners/{name}/things/{id}",
        summary: "s",
        params: { name: "owner" },
        body: "patch",
        response: { status: 200, description: "d" },
      },
    );
    const res = await call("PATCH", "/api/v1/owners/caf%C3%A9/things/7?note=hello", asJson({ title: "T" }));
    expect(res.status).toBe(200);
    expect(calls).toEqual([{ owner: "café", id: "7", note: "hello", patch: { title: "T", tags: [] } }]);
  });

  it("takes a path parameter from the path only, never from a query parameter of the same name", async () => {
    const { call, calls } = serve(
      { name: "things.get", role: "viewer", mutates: false, args: z.object({ id: z.string() }) },
      { method: "GET", path: "/api/v1/things/{id}", summary: "s", response: { status: 200, description: "d" } },
    );
    expect((await call("GET", "/api/v1/things/a?id=b")).status).toBe(200);
    expect(calls).toEqual([{ id: "a" }]);
  });

  it("serves HEAD as the GET route it is, without a body to read", async () => {
    const { call, calls } = serve(
      { name: "things.list", role: "viewer", mutates: false, args: z.object({ q: z.string().optional() }) },
      { method: "GET", path: "/api/v1/things", summary: "s", response: { status: 200, description: "d" } },
    );
    expect((await call("HEAD", "/api/v1/things?q=x")).status).toBe(200);
    expect(calls).toEqual([{ q: "x" }]);
    expect((await call("POST", "/api/v1/things")).status).toBe(405);
  });

  it("reads an empty optional body as {} (so its defaults apply), and refuses an empty required one before running", async () => {
    const optional = serve(
      { name: "things.touch", role: "editor", mutates: true, args: z.object({ id: z.string(), options: z.object({ force: z.boolean().default(false) }) }) },
      { method: "POST", path: "/api/v1/things/{id}/touch", summary: "s", body: "options", optionalBody: true, response: { status: 200, description: "d" } },
    );
    // No Content-Type either: there is nothing to type.
    expect((await optional.call("POST", "/api/v1/things/a/touch")).status).toBe(200);
    expect((await optional.call("POST", "/api/v1/things/a/touch", { body: "  " })).status).toBe(200);
    expect(optional.calls).toEqual([
      { id: "a", options: { force: false } },
      { id: "a", options: { force: false } },
    ]);

    const required = serve(
      { name: "things.create", role: "editor", mutates: true, args: z.object({ thing }) },
      { method: "POST", path: "/api/v1/things", summary: "s", body: "thing", response: { status: 201, description: "d" } },
    );
    const empty = await required.call("POST", "/api/v1/things");
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: "BAD_REQUEST", message: "request body is empty: send a JSON object" });
    expect(required.calls).toEqual([]);
  });

  it("names a body's fields from the body's root, with the use case's message prefix", async () => {
    const { call, calls } = serve(
      {
        name: "things.update",
        role: "editor",
        mutates: true,
        args: z.object({ id: z.string(), patch: thing }),
        invalid: (raw) => `cannot update thing '${String(raw.id)}'`,
      },
      { method: "PATCH", path: "/api/v1/things/{id}", summary: "s", body: "patch", response: { status: 200, description: "d" } },
    );
    const res = await call("PATCH", "/api/v1/things/a", asJson({ title: "", tags: "x" }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.message).toMatch(/^cannot update thing 'a': title: title is required; tags: /);
    expect(Object.keys(res.body.error.details.fieldErrors).sort()).toEqual(["tags", "title"]);
    // A body that is no object at all is the body's own (form) error.
    const notObject = await call("PATCH", "/api/v1/things/a", asJson(["x"]));
    expect(notObject.status).toBe(422);
    expect(notObject.body.error.details.formErrors).toHaveLength(1);
    expect(notObject.body.error.details.fieldErrors).toEqual({});
    expect(calls).toEqual([]);
  });

  it("refuses a repeated query parameter where one value is expected, naming it, and passes repeats to a list", async () => {
    const { call, calls } = serve(
      { name: "things.list", role: "viewer", mutates: false, args: z.object({ q: z.string().optional(), tag: z.array(z.string()).optional() }) },
      { method: "GET", path: "/api/v1/things", summary: "s", response: { status: 200, description: "d" } },
    );
    const twice = await call("GET", "/api/v1/things?q=a&q=b");
    expect(twice.status).toBe(422);
    expect(twice.body.error.message).toMatch(/^invalid query: q: /);
    expect(Object.keys(twice.body.error.details.fieldErrors)).toEqual(["q"]);
    expect((await call("GET", "/api/v1/things?tag=a&tag=b")).status).toBe(200);
    expect(calls).toEqual([{ tag: ["a", "b"] }]);
  });

  it("takes no query parameter the use case has no argument for", async () => {
    const { call, calls, route } = serve(
      { name: "things.list", role: "viewer", mutates: false, args: z.object({ q: z.string().optional() }) },
      { method: "GET", path: "/api/v1/things", summary: "s", response: { status: 200, description: "d" } },
    );
    expect((await call("GET", "/api/v1/things?q=a&other=b&toString=c&constructor=d")).status).toBe(200);
    expect(calls).toEqual([{ q: "a" }]);
    expect(Object.keys(route.query!.shape)).toEqual(["q"]);
  });

  it("fills the arguments from the body and the path, refusing a body field the path names, and documents the body without it", async () => {
    const { call, calls, route } = serve(
      { name: "things.rename", role: "editor", mutates: true, args: z.object({ id: z.string(), title: z.string() }) },
      { method: "POST", path: "/api/v1/things/{id}/title", summary: "s", body: { arguments: true }, response: { status: 200, description: "d" } },
    );
    expect((await call("POST", "/api/v1/things/7/title", asJson({ title: "T" }))).status).toBe(200);
    expect(calls).toEqual([{ id: "7", title: "T" }]);
    const clash = await call("POST", "/api/v1/things/7/title", asJson({ id: "8", title: "T" }));
    expect(clash.status).toBe(422);
    expect(clash.body.error.details.fieldErrors).toEqual({ id: ["given by the path ({id}): leave it out of the body"] });
    expect(calls).toHaveLength(1);
    expect(Object.keys((route.body!.schema as z.ZodObject).shape)).toEqual(["title"]);
  });

  it("reads documents from the files of a multipart form, each JSON or YAML by its type or name, joined in order", async () => {
    const { call, calls } = serve(
      { name: "things.upload", role: "editor", mutates: true, args: z.object({ text: z.string(), format: z.enum(["json", "yaml"]) }) },
      { method: "POST", path: "/api/v1/things/upload", summary: "s", body: { documents: true }, response: { status: 200, description: "d" } },
    );
    const form = new FormData();
    form.append("file", new File(['[{"name": "a"}, {"name": "b"}]'], "two.json"));
    form.append("note", "not a file: ignored");
    form.append("file", new File(["name: c\n---\nname: d\n"], "two.yaml", { type: "application/yaml" }));
    const request = new Request("http://cp.test/", { method: "POST", body: form });
    const body = await request.text();
    const res = await call("POST", "/api/v1/things/upload", { body, headers: { "content-type": request.headers.get("content-type")! } });
    expect(res.status).toBe(200);
    expect(calls).toEqual([{ format: "json", text: JSON.stringify([{ name: "a" }, { name: "b" }, { name: "c" }, { name: "d" }]) }]);

    const broken = new FormData();
    broken.append("file", new File(["{not json"], "broken.json"));
    const brokenRequest = new Request("http://cp.test/", { method: "POST", body: broken });
    const refused = await call("POST", "/api/v1/things/upload", {
      body: await brokenRequest.text(),
      headers: { "content-type": brokenRequest.headers.get("content-type")! },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/^broken\.json: body is not valid JSON/);

    const empty = new FormData();
    empty.append("note", "no file");
    const emptyRequest = new Request("http://cp.test/", { method: "POST", body: empty });
    const none = await call("POST", "/api/v1/things/upload", {
      body: await emptyRequest.text(),
      headers: { "content-type": emptyRequest.headers.get("content-type")! },
    });
    expect(none.status).toBe(422);
    expect(none.body.error.details.fieldErrors).toEqual({ file: ["no file in the form"] });
    expect(calls).toHaveLength(1);
  });
});

describe("useCaseRoute: dry runs", () => {
  const preview = { dryRun: true as const, result: { title: "T" }, impact: { gains: [] } };
  const previewable = () =>
    serve(
      {
        name: "things.create",
        role: "editor",
        mutates: true,
        args: z.object({ thing, dryRun: z.boolean().default(false) }),
        run: async (_ctx, { thing, dryRun }) => (dryRun ? preview : { dryRun: false as const, result: thing }),
      },
      { method: "POST", path: "/api/v1/things", summary: "s", body: "thing", response: { status: 201, description: "d" } },
    );

  it("passes ?dryRun to a use case that takes it, answers its preview with 200 and the change's result alone otherwise", async () => {
    const { call, calls, route } = previewable();
    expect(route.dryRun).toBe(true);
    const dry = await call("POST", "/api/v1/things?dryRun=true", asJson({ title: "T" }));
    expect(dry.status).toBe(200);
    expect(dry.body).toEqual(preview);
    const applied = await call("POST", "/api/v1/things", asJson({ title: "T" }));
    expect(applied.status).toBe(201);
    expect(applied.body).toEqual({ title: "T", tags: [] });
    expect(calls.map((c) => c.dryRun)).toEqual([true, false]);
  });

  it("refuses a dryRun that is no boolean before running anything", async () => {
    const { call, calls } = previewable();
    const res = await call("POST", "/api/v1/things?dryRun=maybe", asJson({ title: "T" }));
    expect(res.status).toBe(422);
    expect(res.body.error.message).toBe("invalid query: dryRun: dryRun must be true or false");
    expect(calls).toEqual([]);
  });

  it("neither documents nor passes dryRun on a route whose use case takes none", async () => {
    const { call, calls, route } = serve(
      { name: "things.touch", role: "editor", mutates: true, args: z.object({ id: z.string() }) },
      { method: "POST", path: "/api/v1/things/{id}/touch", summary: "s", response: { status: 200, description: "d" } },
    );
    expect(route.dryRun).toBe(false);
    expect(route.query).toBeUndefined();
    await call("POST", "/api/v1/things/a/touch?dryRun=true");
    expect(calls).toEqual([{ id: "a" }]);
  });
});

describe("useCaseRoute: answers, role and snapshot", () => {
  it("answers 204 with no body, and a custom answer through respond", async () => {
    const gone = serve(
      { name: "things.delete", role: "editor", mutates: true, args: z.object({ id: z.string() }) },
      { method: "DELETE", path: "/api/v1/things/{id}", summary: "s", response: { status: 204, description: "d" } },
    );
    const res = await gone.call("DELETE", "/api/v1/things/a");
    expect(res.status).toBe(204);
    expect(res.text).toBe("");

    const custom = serve(
      { name: "things.get", role: "viewer", mutates: false, args: z.object({ id: z.string() }), run: async (_ctx, { id }) => ({ id, secret: "s" }) },
      {
        method: "GET",
        path: "/api/v1/things/{id}",
        summary: "s",
        response: { status: 200, description: "d" },
        respond: ({ id }) => Response.json({ thing: id }),
      },
    );
    expect((await custom.call("GET", "/api/v1/things/a")).body).toEqual({ thing: "a" });
  });

  it("demands the use case's role", async () => {
    const { call, calls, route } = serve(
      { name: "things.list", role: "viewer", mutates: false, args: z.object({}) },
      { method: "GET", path: "/api/v1/things", summary: "s", response: { status: 200, description: "d" } },
    );
    expect(route.role).toBe("viewer");
    expect((await call("GET", "/api/v1/things", { headers: { authorization: "" } })).status).toBe(401);
    expect(calls).toEqual([]);
  });

  it("rebuilds the snapshot after a successful change that can change it, and only then", async () => {
    const failing = serve(
      {
        name: "things.create",
        role: "editor",
        mutates: true,
        args: z.object({ thing }),
        run: async (_ctx, { thing }) => {
          if (thing.title === "conflict") throw new (await import("../errors")).DomainError("CONFLICT", "taken");
          return thing;
        },
      },
      { method: "POST", path: "/api/v1/things", summary: "s", body: "thing", response: { status: 201, description: "d" } },
    );
    expect((await failing.call("POST", "/api/v1/things", asJson({ title: "conflict" }))).status).toBe(409);
    expect((await failing.call("POST", "/api/v1/things", asJson({ title: "" }))).status).toBe(422);
    expect(failing.refresh).not.toHaveBeenCalled();
    expect((await failing.call("POST", "/api/v1/things", asJson({ title: "ok" }))).status).toBe(201);
    expect(failing.refresh).toHaveBeenCalledTimes(1);

    const unseen = serve(
      { name: "things.rename", role: "editor", mutates: true, changesSnapshot: false, args: z.object({ id: z.string() }) },
      { method: "POST", path: "/api/v1/things/{id}/rename", summary: "s", response: { status: 200, description: "d" } },
    );
    expect(unseen.route.mutates).toBe(false);
    expect((await unseen.call("POST", "/api/v1/things/a/rename")).status).toBe(200);
    expect(unseen.refresh).not.toHaveBeenCalled();
  });
});

describe("useCaseRoute: declarations it refuses", () => {
  const args = z.object({ id: z.string(), patch: thing });
  const target = useCase({ name: "things.update", role: "editor", mutates: true, args, run: async () => null });
  const base = { summary: "s", response: { status: 200, description: "d" } } as const;

  it.each([
    ["a body naming no argument", { method: "PATCH", path: "/api/v1/things/{id}", body: "changes" }, "no argument 'changes' for the body"],
    [
      "a path parameter no argument takes",
      { method: "PATCH", path: "/api/v1/things/{name}", body: "patch" },
      "no argument 'name' for the path parameter {name}",
    ],
    [
      "a rename of a parameter the path lacks",
      { method: "PATCH", path: "/api/v1/things/{id}", body: "patch", params: { name: "id" } },
      "params renames {name}",
    ],
    [
      "an argument filled from the path and the body",
      { method: "PATCH", path: "/api/v1/things/{patch}", body: "patch" },
      "filled from both the path and the body",
    ],
    ["a body on a GET", { method: "GET", path: "/api/v1/things/{id}", body: "patch" }, "a GET route takes no body"],
  ] as const)("refuses %s", (_what, options, message) => {
    expect(() => useCaseRoute(target, { ...base, ...options })).toThrow(message);
  });
});
