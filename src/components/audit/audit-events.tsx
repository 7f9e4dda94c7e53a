"use client";

import Link from "next/link";
import { Fragment, useState } from "react";
import type { AuditEvent as StoredEvent } from "@/server/audit/query";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Dialog } from "@/components/ui/dialog";
import { Details } from "@/components/ui/panel";
import { RelativeTime } from "@/components/ui/relative-time";
import { FramedTable, tableClasses } from "@/components/ui/states";
import { auditActionLabel, auditEntityLabel } from "@/lib/audit-actions";
import { auditFiltersFrom, auditHref, entityNameOf } from "@/lib/audit-url";
import { cn } from "@/lib/cn";
import { exactTime } from "@/lib/time";
import { AuditDiff } from "./audit-diff";

/** An event as tRPC hands it over (its JSON fields come back optional). */
export type AuditEvent = Omit<StoredEvent, "before" | "after"> & { before?: unknown; after?: unknown };

/** The verb decides the colour: scanning a long log for deletions or refusals is the common task. */
function actionTone(action: string): string {
  const verb = action.split(".").pop() ?? action;
  if (/fail|refus/.test(verb)) return "bg-amber-50 text-amber-900 ring-amber-200";
  if (/delete|disable|deactivate|revoke|degrade/.test(verb)) return "bg-red-50 text-red-800 ring-red-200";
  if (/publish/.test(verb)) return "bg-indigo-50 text-indigo-800 ring-indigo-200";
  if (/create|import|reactivate/.test(verb)) return "bg-emerald-50 text-emerald-800 ring-emerald-200";
  if (/sign_in|sign_out/.test(verb)) return "bg-slate-100 text-slate-700 ring-slate-300";
  return "bg-sky-50 text-sky-800 ring-sky-200";
}

/** The action as people read it ("Server published"); the code it is stored under is its tooltip and in the event's details. */
export function ActionBadge({ action }: { action: string }) {
  return (
    <span
      title={action}
      data-action={action}
      className={cn("inline-flex whitespace-nowrap rounded px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset", actionTone(action))}
    >
      {auditActionLabel(action)}
    </span>
  );
}

function Actor({ event }: { event: AuditEvent }) {
  return (
    <>
      <span className="block break-words text-slate-900">{event.actor}</span>
      {event.actorVia ? (
        <span className="block text-xs text-slate-500">via {event.actorVia}</span>
      ) : (
        event.actorKind !== "user" && event.actorKind !== event.actor && <span className="block text-xs text-slate-500">{event.actorKind}</span>
      )}
    </>
  );
}

/** The head of a state apply's events: they were one change (one transaction, one revision), so they are shown together. */
function ChangeSetRow({ changeSet, events, columns }: { changeSet: string; events: AuditEvent[]; columns: number }) {
  const count = events.filter((e) => e.changeSet === changeSet).length;
  return (
    <tr data-change-set-head={changeSet} className="bg-indigo-50/60">
      <th scope="rowgroup" colSpan={columns} className="px-4 py-2 text-left text-xs font-medium text-indigo-900">
        Change set <span className="font-mono">{changeSet.slice(0, 8)}</span>: {count} change{count === 1 ? "" : "s"} applied together
        <Link href={auditHref({ ...auditFiltersFrom({}), changeSet })} className="ml-3 font-normal text-indigo-700 underline">
          Only this change set
        </Link>
      </th>
    </tr>
  );
}

/** Audit events, newest first; a click (or Enter on "Details") opens the event with its diff. */
export function AuditEventTable({ events, showEntity = true, caption }: { events: AuditEvent[]; showEntity?: boolean; caption: string }) {
  const [open, setOpen] = useState<AuditEvent | null>(null);
  return (
    <>
      <FramedTable
        caption={caption}
        columns={["Time (UTC)", "Actor", "Action", showEntity && "Entity", "Request", { label: "Details", srOnly: true, right: true }]}
        head={tableClasses.roomyHead}
        th={tableClasses.roomyTh}
      >
        {events.map((event, index) => (
          <Fragment key={event.id}>
            {event.changeSet && events[index - 1]?.changeSet !== event.changeSet && (
              <ChangeSetRow changeSet={event.changeSet} events={events} columns={showEntity ? 6 : 5} />
            )}
            <tr
              data-change-set={event.changeSet ?? undefined}
              data-event-id={event.id}
              onClick={(e) => {
                // Links and buttons in the row do their own thing.
                if (!(e.target as HTMLElement).closest("a,button")) setOpen(event);
              }}
              className={cn("cursor-pointer align-top hover:bg-slate-50", event.changeSet && "border-l-4 border-l-indigo-200")}
            >
              <td className="whitespace-nowrap px-4 py-2.5 text-slate-700">
                <span className="block tabular-nums">{exactTime(event.at).replace(" UTC", "")}</span>
                <RelativeTime iso={event.at} className="text-xs text-slate-500" />
              </td>
              <td className="min-w-44 max-w-64 px-4 py-2.5">
                <Actor event={event} />
              </td>
              <td className="px-4 py-2.5">
                <ActionBadge action={event.action} />
              </td>
              {showEntity && (
                <td className="max-w-64 px-4 py-2.5">
                  <span className="block text-xs text-slate-500">{auditEntityLabel(event.entityType)}</span>
                  {entityNameOf(event) && <span className="block break-all font-mono text-xs font-medium text-slate-900">{entityNameOf(event)}</span>}
                  <span className={cn("block break-all font-mono text-xs", entityNameOf(event) ? "text-slate-500" : "text-slate-900")}>{event.entityId}</span>
                </td>
              )}
              <td className="px-4 py-2.5">
                {event.requestId ? (
                  <span className="block max-w-40 truncate font-mono text-xs text-slate-600" title={event.requestId}>
                    {event.requestId}
                  </span>
                ) : (
                  <span className="text-slate-400">—</span>
                )}
              </td>
              <td className="px-4 py-2.5 text-right">
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => setOpen(event)}
                  aria-label={`Details of ${auditActionLabel(event.action)} on ${event.entityId} at ${exactTime(event.at)}`}
                >
                  Details
                </Button>
              </td>
            </tr>
          </Fragment>
        ))}
      </FramedTable>
      <AuditEventDialog event={open} onClose={() => setOpen(null)} />
    </>
  );
}

export function AuditEventDialog({ event, onClose }: { event: AuditEvent | null; onClose: () => void }) {
  const entityHref = event ? auditHref({ ...auditFiltersFrom({}), entityType: event.entityType, entityId: event.entityId }) : "/audit";
  return (
    <Dialog
      open={event !== null}
      onClose={onClose}
      size="xl"
      focusTitle
      title={event ? `${auditActionLabel(event.action)} · ${auditEntityLabel(event.entityType)} ${event.entityId}` : ""}
      footer={
        <Button variant="primary" onClick={onClose}>
          Close
        </Button>
      }
    >
      {event && (
        <div className="mt-4 space-y-5">
          <div className="rounded-md px-4 py-1 ring-1 ring-slate-200">
            <Details
              items={[
                [
                  "When",
                  <>
                    {exactTime(event.at)}{" "}
                    <span className="text-slate-500">
                      (<RelativeTime iso={event.at} />)
                    </span>
                  </>,
                ],
                ["Actor", <Actor key="a" event={event} />],
                [
                  "Action",
                  <span key="x">
                    <ActionBadge action={event.action} /> <code className="ml-1 font-mono text-xs text-slate-500">{event.action}</code>
                  </span>,
                ],
                [
                  "Entity",
                  <span key="e" className="flex flex-wrap items-center gap-x-3 gap-y-1">
                    <span>
                      {event.entityType} <span className="font-mono">{entityNameOf(event) ?? event.entityId}</span>
                    </span>
                    <Link href={entityHref} onClick={onClose} className="text-xs font-medium text-indigo-700 underline">
                      Every event for it
                    </Link>
                    {event.entityType === "mcp_server" && event.action !== "mcp_server.delete" && (
                      <Link href={`/servers/${encodeURIComponent(event.entityId)}`} onClick={onClose} className="text-xs font-medium text-indigo-700 underline">
                        Open the server
                      </Link>
                    )}
                  </span>,
                ],
                [
                  "Request ID",
                  event.requestId ? (
                    <span key="r" className="flex items-center gap-2">
                      <span className="break-all font-mono text-xs">{event.requestId}</span>
                      <CopyButton text={event.requestId} label="Copy" />
                    </span>
                  ) : (
                    "—"
                  ),
                ],
                ["Source address", event.sourceIp ? <span className="font-mono text-xs">{event.sourceIp}</span> : "—"],
                [
                  "Event",
                  <span key="i" className="font-mono text-xs tabular-nums">
                    #{event.id}
                  </span>,
                ],
              ]}
            />
          </div>
          <section aria-label="Before and after">
            <h3 className="mb-2 text-sm font-semibold text-slate-900">Before and after</h3>
            <AuditDiff before={event.before} after={event.after} />
          </section>
        </div>
      )}
    </Dialog>
  );
}
