"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useCan } from "@/components/shell/session";
import { Button } from "@/components/ui/button";
import { Field, inputClasses } from "@/components/ui/field";
import { Details, Panel } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { FormAlert, LoadError, Loading, PanelTable } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { domainErrorOf } from "@/lib/domain-error";
import { sentence } from "@/lib/messages";
import { ON_TOOL_DRIFT, type OnToolDrift, type ToolView } from "@/server/tools/model";
import type { ServerToolsView } from "@/server/tools/store";
import { FindingsList } from "@/components/sources/findings";
import { useTRPC } from "@/trpc/react";
import { useInvalidateTools } from "./tool-drift-queue";
import { HintBadge, ToolDriftView } from "./tool-drift-view";

const errorText = (error: unknown) => sentence(domainErrorOf(error).message);
const short = (digest: string) => `${digest.slice(0, 12)}…`;

const DRIFT_SETTINGS: Record<OnToolDrift, string> = {
  "hold-changed": "Hold changed tools: new and changed tools are withheld until approved; unchanged tools stay available",
  "suspend-server": "Suspend the server: no tool is available until the drift is approved",
};

/** Each tool the server lists now (or, with nothing newer, its pinned ones), and what drift did to it. */
function toolRows(view: ServerToolsView): { tool: ToolView; state: string }[] {
  const tools = view.latest?.tools ?? view.pinned?.tools ?? [];
  const added = new Set(view.drift?.added.map((t) => t.name));
  const changed = new Set(view.drift?.changed.map((c) => c.name));
  const unpinned = !view.pinned;
  const rows = tools.map((tool) => ({
    tool,
    state: added.has(tool.name) ? "new · withheld" : changed.has(tool.name) ? "changed · withheld" : unpinned ? "not pinned" : "pinned",
  }));
  return [...rows, ...(view.drift?.removed ?? []).map((tool) => ({ tool, state: "removed" }))];
}

/** The server page's Tools tab: discovered and pinned tools, their drift, the drift setting and the probe headers. */
export function ServerTools({ name }: { name: string }) {
  const trpc = useTRPC();
  const query = useQuery(trpc.tools.get.queryOptions({ name }));
  const canEdit = useCan("editor");
  const isAdmin = useCan("admin");
  if (query.isPending) return <Loading what="the tools" />;
  if (query.isError) return <LoadError error={query.error} what="the tools" />;
  const view = query.data;
  return (
    <div className="space-y-6">
      <Summary name={name} view={view} canEdit={canEdit} />
      {view.drift && (
        <Panel title={view.driftRejected ? "Tool drift (rejected: changes stay withheld)" : "Tool drift, waiting for review"}>
          <ToolDriftView drift={view.drift} />
        </Panel>
      )}
      {!view.drift && view.latest && view.latest.findings.length > 0 && (
        <Panel title="What the scan found in these tools">
          <FindingsList findings={view.latest.findings} />
        </Panel>
      )}
      <ToolsTable view={view} />
      <div className="grid gap-6 lg:grid-cols-2">
        <DriftSetting name={name} current={view.onToolDrift} canEdit={canEdit} />
        <ProbeHeaders name={name} view={view} isAdmin={isAdmin} />
      </div>
      {canEdit && <UploadTools name={name} />}
    </div>
  );
}

function Summary({ name, view, canEdit }: { name: string; view: ServerToolsView; canEdit: boolean }) {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateTools();
  const discover = useMutation(
    trpc.tools.discover.mutationOptions({
      onSuccess: async (result) => {
        await invalidate();
        toast(
          result.drift ? `Discovered ${result.tools.length} tools: they differ from the pin, held for review.` : `Discovered ${result.tools.length} tools.`,
        );
      },
      onError: () => void invalidate(),
    }),
  );
  return (
    <Panel
      title="Tool manifest"
      actions={
        canEdit && (
          <Button size="sm" variant="primary" onClick={() => discover.mutate({ name })} disabled={discover.isPending}>
            {discover.isPending ? "Discovering…" : "Discover tools"}
          </Button>
        )
      }
    >
      <FormAlert message={discover.isError ? errorText(discover.error) : null} className="mb-3" />
      <div data-testid="tools-summary">
        <Details
          items={[
            [
              "Pinned",
              view.pinned ? (
                <span>
                  <span className="font-mono" title={view.pinned.digest}>
                    {short(view.pinned.digest)}
                  </span>{" "}
                  · {view.pinned.tools.length} tools · <RelativeTime iso={view.pinned.pinnedAt} /> by {view.pinned.pinnedBy}
                </span>
              ) : (
                "Nothing pinned: publishing pins the latest tools"
              ),
            ],
            [
              "Latest",
              view.latest ? (
                <span>
                  <span className="font-mono" title={view.latest.digest}>
                    {short(view.latest.digest)}
                  </span>{" "}
                  · {view.latest.tools.length} tools · {view.latest.source} · <RelativeTime iso={view.latest.discoveredAt} />
                </span>
              ) : (
                "Never discovered"
              ),
            ],
            ["Probe", view.probe.probeable ? <span className="font-mono">{view.probe.url}</span> : `Not probeable: ${view.probe.reason}`],
            ...(view.lastError
              ? ([
                  [
                    "Last discovery failed",
                    <span key="e" className="text-red-800">
                      {view.lastError}
                    </span>,
                  ],
                ] as [string, React.ReactNode][])
              : []),
          ]}
        />
      </div>
    </Panel>
  );
}

const STATE_CLASSES: Record<string, string> = {
  pinned: "text-slate-600",
  "not pinned": "text-slate-600",
  "new · withheld": "font-medium text-amber-800",
  "changed · withheld": "font-medium text-amber-800",
  removed: "text-red-700 line-through",
};

function ToolsTable({ view }: { view: ServerToolsView }) {
  const rows = toolRows(view);
  if (rows.length === 0) {
    return (
      <Panel>
        <p className="text-sm text-slate-500">No tools known yet. Discover them, or upload the JSON the server&apos;s tools/list returns.</p>
      </Panel>
    );
  }
  return (
    <PanelTable caption="Tools" headers={["Tool", "State", "Hints", "Description", "SHA-256"]}>
      {rows.map(({ tool, state }) => (
        <tr key={`${state}:${tool.name}`} data-testid="tool-row" data-tool={tool.name}>
          <td className="px-5 py-2 font-mono text-slate-900">{tool.name}</td>
          <td className={`px-5 py-2 text-xs ${STATE_CLASSES[state] ?? ""}`}>{state}</td>
          <td className="px-5 py-2">
            <HintBadge tool={tool} />
          </td>
          <td className="max-w-md px-5 py-2 text-slate-700">{tool.description.split("\n")[0]}</td>
          <td className="px-5 py-2 font-mono text-xs text-slate-500" title={tool.sha256}>
            {short(tool.sha256)}
          </td>
        </tr>
      ))}
    </PanelTable>
  );
}

function DriftSetting({ name, current, canEdit }: { name: string; current: OnToolDrift; canEdit: boolean }) {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateTools();
  const [value, setValue] = useState<OnToolDrift>(current);
  const save = useMutation(
    trpc.tools.settings.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        toast("Saved the drift setting.");
      },
    }),
  );
  return (
    <Panel title="When the tools change">
      <fieldset disabled={!canEdit || save.isPending} className="space-y-2 text-sm">
        <legend className="sr-only">On tool drift</legend>
        {ON_TOOL_DRIFT.map((option) => (
          <label key={option} className="flex items-start gap-2">
            <input type="radio" name={`on-tool-drift-${name}`} value={option} checked={value === option} onChange={() => setValue(option)} className="mt-1" />
            <span>{DRIFT_SETTINGS[option]}</span>
          </label>
        ))}
      </fieldset>
      <FormAlert message={save.isError ? errorText(save.error) : null} className="mt-3" />
      {canEdit && (
        <Button
          size="sm"
          className="mt-3"
          onClick={() => save.mutate({ name, settings: { onToolDrift: value } })}
          disabled={value === current || save.isPending}
        >
          Save setting
        </Button>
      )}
    </Panel>
  );
}

/** Write-only: names of the headers set, a form to set one, a button to remove one. Values never come back. */
function ProbeHeaders({ name, view, isAdmin }: { name: string; view: ServerToolsView; isAdmin: boolean }) {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateTools();
  const [header, setHeader] = useState("");
  const [value, setValue] = useState("");
  const mutation = useMutation(
    trpc.tools.probeHeaders.mutationOptions({
      onSuccess: async () => {
        setHeader("");
        setValue("");
        await invalidate();
        toast("Saved the probe headers.");
      },
    }),
  );
  return (
    <Panel title="Probe headers">
      <p className="text-sm text-slate-600">
        Sent only when the control plane probes this server (an API key, say). Stored as secrets: once saved, a value is never shown again.
      </p>
      {view.probe.headers.length > 0 ? (
        <ul className="mt-3 space-y-1 text-sm" data-testid="probe-headers">
          {view.probe.headers.map((h) => (
            <li key={h} className="flex items-center gap-3">
              <span className="font-mono">{h}</span>
              <span className="text-slate-500">set</span>
              {isAdmin && (
                <Button size="sm" variant="quiet-danger" onClick={() => mutation.mutate({ name, probeHeaders: { headers: { [h]: null } } })}>
                  Remove
                </Button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="mt-3 text-sm text-slate-500">None set.</p>
      )}
      {isAdmin && (
        <form
          className="mt-4 grid gap-3 sm:grid-cols-2"
          onSubmit={(event) => {
            event.preventDefault();
            mutation.mutate({ name, probeHeaders: { headers: { [header.trim()]: value } } });
          }}
        >
          <Field id="probe-header-name" label="Header">
            {(props) => <input {...props} className={inputClasses} value={header} onChange={(e) => setHeader(e.target.value)} placeholder="X-Api-Key" />}
          </Field>
          <Field id="probe-header-value" label="Value">
            {(props) => (
              <input {...props} type="password" autoComplete="off" className={inputClasses} value={value} onChange={(e) => setValue(e.target.value)} />
            )}
          </Field>
          <div className="sm:col-span-2">
            <FormAlert message={mutation.isError ? errorText(mutation.error) : null} className="mb-2" />
            <Button type="submit" size="sm" disabled={!header.trim() || !value || mutation.isPending}>
              Set header
            </Button>
          </div>
        </form>
      )}
    </Panel>
  );
}

function UploadTools({ name }: { name: string }) {
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateTools();
  const [text, setText] = useState("");
  const [parseError, setParseError] = useState<string | null>(null);
  const upload = useMutation(
    trpc.tools.upload.mutationOptions({
      onSuccess: async (result) => {
        setText("");
        await invalidate();
        toast(`Recorded ${result.tools.length} uploaded tools.`);
      },
    }),
  );
  return (
    <details className="rounded-lg bg-white px-5 py-4 shadow-xs ring-1 ring-slate-200">
      <summary className="cursor-pointer text-sm font-semibold text-slate-900">Upload a tool list</summary>
      <p className="mt-2 text-sm text-slate-600">
        For a server the control plane cannot probe: paste the JSON its tools/list returns ({"{"}&quot;tools&quot;: […]{"}"}).
      </p>
      <form
        className="mt-3"
        onSubmit={(event) => {
          event.preventDefault();
          try {
            setParseError(null);
            upload.mutate({ name, upload: JSON.parse(text) });
          } catch {
            setParseError("That is not valid JSON.");
          }
        }}
      >
        <Field id="tools-upload" label="tools/list JSON">
          {(props) => <textarea {...props} className={`${inputClasses} font-mono text-xs`} rows={6} value={text} onChange={(e) => setText(e.target.value)} />}
        </Field>
        <FormAlert message={parseError ?? (upload.isError ? errorText(upload.error) : null)} className="mt-2" />
        <Button type="submit" size="sm" className="mt-2" disabled={!text.trim() || upload.isPending}>
          Record tools
        </Button>
      </form>
    </details>
  );
}
