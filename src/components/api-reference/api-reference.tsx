import { CopyButton } from "@/components/ui/copy-button";
import { PageHeader, Panel } from "@/components/ui/panel";
import { RoleBadge } from "@/components/ui/role-badge";
import { cn } from "@/lib/cn";
import { curlExample, operationsByTag, schemaAnchor, viewOf, type OpenApiDocumentLike, type OperationView, type ParameterView } from "@/lib/openapi-view";
import type { Role } from "@/server/auth/roles";
import { SchemaTree } from "./schema-tree";

const METHOD_STYLE: Record<string, string> = {
  GET: "bg-sky-50 text-sky-800 ring-sky-200",
  POST: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  PATCH: "bg-amber-50 text-amber-800 ring-amber-200",
  PUT: "bg-amber-50 text-amber-800 ring-amber-200",
  DELETE: "bg-rose-50 text-rose-800 ring-rose-200",
};

function Method({ method, className }: { method: string; className?: string }) {
  return (
    <span
      className={cn(
        "inline-flex w-14 justify-center rounded px-1.5 py-0.5 font-mono text-[11px] font-semibold ring-1 ring-inset",
        METHOD_STYLE[method],
        className,
      )}
    >
      {method}
    </span>
  );
}

function Parameters({ title, parameters }: { title: string; parameters: ParameterView[] }) {
  if (parameters.length === 0) return null;
  return (
    <div>
      <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h4>
      <SchemaTree
        view={{
          kind: "object",
          properties: parameters.map((p) => ({
            name: p.name,
            required: p.required,
            schema: { ...p.schema, ...(p.description ? { description: p.description } : {}) },
          })),
        }}
      />
    </div>
  );
}

function Operation({ op }: { op: OperationView }) {
  const successes = op.responses.filter((r) => r.status.startsWith("2") || r.status.startsWith("3"));
  const failures = op.responses.filter((r) => !successes.includes(r));
  return (
    <article id={op.id} className="scroll-mt-6 border-t border-slate-200 py-5 first:border-t-0 first:pt-0">
      <header className="flex flex-wrap items-center gap-2">
        <Method method={op.method} />
        <code className="break-all font-mono text-sm font-semibold text-slate-900">{op.path}</code>
        <span className="ml-auto">
          {op.role === "public" ? (
            <span className="text-xs text-slate-500">no sign-in needed</span>
          ) : (
            <span className="flex items-center gap-1.5 text-xs text-slate-500">
              needs <RoleBadge role={op.role as Role} />
            </span>
          )}
        </span>
      </header>
      <p className="mt-2 text-sm font-medium text-slate-800">{op.summary}</p>
      {op.description && <p className="mt-1 max-w-3xl text-sm text-slate-600">{op.description}</p>}

      <div className="mt-3 overflow-hidden rounded-md bg-slate-900">
        <div className="flex items-center justify-between gap-2 border-b border-slate-700 px-3 py-1.5">
          <span className="text-xs font-medium text-slate-400">Example</span>
          <CopyButton text={curlExample(op)} />
        </div>
        <pre className="overflow-x-auto p-3 font-mono text-xs leading-relaxed text-slate-100">{curlExample(op)}</pre>
      </div>
      <div className="mt-4 min-w-0 space-y-4">
        <Parameters title="Path" parameters={op.parameters.filter((p) => p.in === "path")} />
        <Parameters title="Query" parameters={op.parameters.filter((p) => p.in === "query")} />
        {op.body && (
          <div>
            <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">
              Body {op.body.required ? "" : "(optional)"} <span className="font-normal normal-case text-slate-400">{op.body.contentTypes.join(", ")}</span>
            </h4>
            {op.body.description && <p className="mb-1 text-xs text-slate-600">{op.body.description}</p>}
            <SchemaTree view={op.body.schema} />
          </div>
        )}
        <div>
          <h4 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Answers</h4>
          <ul className="space-y-2">
            {successes.map((r) => (
              <li key={r.status}>
                <p className="text-sm">
                  <span className="font-mono text-xs font-semibold text-emerald-700">{r.status}</span> <span className="text-slate-700">{r.description}</span>
                </p>
                {r.schema && (
                  <div className="mt-1 border-l-2 border-emerald-100 pl-3">
                    <SchemaTree view={r.schema} />
                  </div>
                )}
              </li>
            ))}
          </ul>
          <details className="mt-2">
            <summary className="cursor-pointer text-xs text-slate-600">Errors ({failures.map((r) => r.status).join(", ")})</summary>
            <ul className="mt-1 space-y-0.5 text-xs text-slate-600">
              {failures.map((r) => (
                <li key={r.status}>
                  <span className="font-mono font-semibold text-rose-700">{r.status}</span> {r.description}
                </li>
              ))}
              <li className="text-slate-500">
                Every error answers{" "}
                <a className="text-indigo-700 underline" href={`#${schemaAnchor("Error")}`}>
                  Error
                </a>
                .
              </li>
            </ul>
          </details>
        </div>
      </div>
    </article>
  );
}

/** The REST API's reference, rendered from the OpenAPI document the server generates. */
export function ApiReference({ doc }: { doc: OpenApiDocumentLike }) {
  const tags = operationsByTag(doc);
  const schemas = Object.entries(doc.components?.schemas ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <div>
      <PageHeader
        title="API reference"
        description={
          <>
            The REST API at <code className="font-mono">/api/v1</code>, version {doc.info.version}. Send an{" "}
            <a href="/settings/tokens" className="text-indigo-700 underline">
              API token
            </a>{" "}
            as <code className="font-mono">Authorization: Bearer …</code>; scripts can also use <code className="font-mono">oc</code>.
          </>
        }
        actions={
          <a
            href="/api/v1/openapi.json"
            download="opencrane-openapi.json"
            className="inline-flex items-center rounded-md bg-white px-3 py-2 text-sm font-medium text-slate-800 shadow-xs ring-1 ring-slate-300 hover:bg-slate-50"
          >
            Download openapi.json
          </a>
        }
      />
      <div className="grid grid-cols-[minmax(0,1fr)] gap-6 lg:grid-cols-[14rem_minmax(0,1fr)]">
        <nav aria-label="Operations" className="lg:sticky lg:top-4 lg:max-h-[calc(100vh-2rem)] lg:self-start lg:overflow-y-auto">
          <ul className="space-y-3 text-sm">
            {tags.map((tag) => (
              <li key={tag.name}>
                <a href={`#tag-${tag.name}`} className="font-semibold text-slate-900 hover:underline">
                  {tag.name}
                </a>
                <ul className="mt-1 space-y-0.5">
                  {tag.operations.map((op) => (
                    <li key={op.id}>
                      <a href={`#${op.id}`} className="flex items-center gap-1.5 rounded px-1 py-0.5 text-xs text-slate-700 hover:bg-slate-100">
                        <Method method={op.method} className="w-12 text-[10px]" />
                        <span className="min-w-0 truncate" title={op.path}>
                          {op.summary}
                        </span>
                      </a>
                    </li>
                  ))}
                </ul>
              </li>
            ))}
            <li>
              <a href="#schemas" className="font-semibold text-slate-900 hover:underline">
                Schemas
              </a>
            </li>
          </ul>
        </nav>
        <div className="min-w-0 space-y-6 [overflow-wrap:anywhere]">
          {tags.map((tag) => (
            <Panel
              key={tag.name}
              title={
                <span id={`tag-${tag.name}`} className="scroll-mt-6">
                  {tag.name}
                  {tag.description && <span className="ml-2 font-normal text-slate-500">{tag.description}</span>}
                </span>
              }
            >
              {tag.operations.map((op) => (
                <Operation key={`${op.method} ${op.path}`} op={op} />
              ))}
            </Panel>
          ))}
          <Panel
            title={
              <span id="schemas" className="scroll-mt-6">
                Schemas
              </span>
            }
          >
            <div className="divide-y divide-slate-200">
              {schemas.map(([name, schema]) => (
                <section key={name} id={schemaAnchor(name)} className="scroll-mt-6 py-4 first:pt-0">
                  <h3 className="mb-2 font-mono text-sm font-semibold text-slate-900">{name}</h3>
                  <SchemaTree view={viewOf(schema)} />
                </section>
              ))}
            </div>
          </Panel>
        </div>
      </div>
    </div>
  );
}
