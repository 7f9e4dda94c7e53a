import { hasChildren, schemaAnchor, typeLabel, type PropertyView, type SchemaView } from "@/lib/openapi-view";

function TypeName({ view }: { view: SchemaView }) {
  if (view.kind === "ref") {
    return (
      <a
        href={`#${schemaAnchor(view.name)}`}
        className="font-mono text-xs text-indigo-700 underline decoration-indigo-300 underline-offset-2 hover:decoration-indigo-600"
      >
        {view.name}
      </a>
    );
  }
  if (view.kind === "array" && view.items.kind === "ref") {
    return (
      <span className="font-mono text-xs text-slate-700">
        array of <TypeName view={view.items} />
      </span>
    );
  }
  return <span className="break-words font-mono text-xs text-slate-700">{typeLabel(view)}</span>;
}

function Notes({ view, defaultValue }: { view: SchemaView; defaultValue?: string }) {
  const constraints = view.kind === "scalar" || view.kind === "array" ? view.constraints : [];
  if (!view.description && constraints.length === 0 && defaultValue === undefined) return null;
  return (
    <div className="space-y-0.5 text-xs text-slate-600">
      {view.description && <p>{view.description}</p>}
      {constraints.length > 0 && <p className="break-words text-slate-500">{constraints.join(" · ")}</p>}
      {defaultValue !== undefined && (
        <p className="text-slate-500">
          default <code className="break-all font-mono">{defaultValue}</code>
        </p>
      )}
    </div>
  );
}

/** What sits under a row: an object's fields, an array's item fields, a union's shapes. */
function Children({ view, depth }: { view: SchemaView; depth: number }) {
  if (view.kind === "object") {
    return (
      <>
        {view.properties.length > 0 && <Properties properties={view.properties} depth={depth} />}
        {view.values && hasChildren(view.values) && (
          <div className="mt-1">
            <p className="text-xs text-slate-500">Each value:</p>
            <Children view={view.values} depth={depth} />
          </div>
        )}
      </>
    );
  }
  if (view.kind === "array") return <Children view={view.items} depth={depth} />;
  if (view.kind === "union") {
    return (
      <ol className="mt-1 space-y-2">
        {view.options.map((option, i) => (
          <li key={i} className="rounded-md border border-dashed border-slate-300 p-2">
            <p className="mb-1 text-xs font-medium text-slate-500">
              Shape {i + 1}: <TypeName view={option} />
            </p>
            {hasChildren(option) && <Children view={option} depth={depth} />}
          </li>
        ))}
      </ol>
    );
  }
  return null;
}

function Nested({ view, depth }: { view: SchemaView; depth: number }) {
  const body = (
    <div className="ml-2 border-l-2 border-slate-200 pl-3">
      <Children view={view} depth={depth + 1} />
    </div>
  );
  if (depth < 2) return body;
  return (
    <details className="ml-2">
      <summary className="cursor-pointer py-1 text-xs text-indigo-700">Fields of {typeLabel(view)}</summary>
      {body}
    </details>
  );
}

const ROW = "grid grid-cols-[minmax(7rem,13rem)_minmax(5rem,11rem)_minmax(0,1fr)] gap-3 py-1.5";

function Properties({ properties, depth }: { properties: PropertyView[]; depth: number }) {
  return (
    <div className="divide-y divide-slate-100 text-sm">
      {properties.map((property) => (
        <div key={property.name}>
          <div className={ROW} data-field={property.name}>
            <div className="min-w-0">
              <code className="break-words font-mono text-xs font-semibold text-slate-900">{property.name}</code>
              {property.required && <span className="ml-1.5 whitespace-nowrap text-[10px] font-semibold uppercase tracking-wide text-rose-700">required</span>}
            </div>
            <div className="min-w-0">
              <TypeName view={property.schema} />
            </div>
            <div className="min-w-0">
              <Notes view={property.schema} defaultValue={property.defaultValue} />
            </div>
          </div>
          {hasChildren(property.schema) && (
            <div className="pb-2">
              <Nested view={property.schema} depth={depth} />
            </div>
          )}
        </div>
      ))}
    </div>
  );
}

/** A schema as a table of its fields (or its type, when it has none). */
export function SchemaTree({ view }: { view: SchemaView }) {
  if (!hasChildren(view)) {
    return (
      <div className="text-sm">
        <TypeName view={view} />
        <Notes view={view} />
      </div>
    );
  }
  return (
    <div>
      {view.kind !== "object" && (
        <p className="mb-1 text-xs text-slate-500">
          <TypeName view={view} />
        </p>
      )}
      {view.description && <p className="mb-1 text-xs text-slate-600">{view.description}</p>}
      <Children view={view} depth={0} />
    </div>
  );
}
