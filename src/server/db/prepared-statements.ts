import type { Sql } from "postgres";

/**
 * Which queries run as prepared statements on Postgres.
 *
 * Drizzle hands postgres.js every query it was not given a name for with `prepare: false`, and for
 * such an unnamed statement with parameters postgres.js asks the server to describe it first: two
 * round trips (Parse/Describe, then Bind/Execute) and two wake-ups of the event loop per query. A
 * statement the connection has already prepared takes one (Bind/Execute), and the server skips
 * parsing it. A write runs five to ten such queries in its transaction, so this is most of its
 * time on the wire.
 *
 * Prepared statements live per connection (postgres.js keeps each connection's, and the server
 * its plans, until the connection is recycled: `max_lifetime`, 30–60 minutes by default), so
 * only statements that recur are prepared: the text must have been run before, have at most
 * `maxParameters` parameters (a multi-row insert's text changes with its row count), and fit in
 * the `maxStatements` texts this process prepares in all. Everything else runs unnamed, as before.
 */
export interface PreparePolicy {
  /** How many distinct texts are prepared in all (each connection prepares those it runs). */
  maxStatements: number;
  /** Texts with more parameters run unnamed. */
  maxParameters: number;
  /** A text is prepared from its n-th run on (one-off texts stay unnamed). */
  preparedFromRun: number;
  /** Texts counted but not yet prepared; past this the counts start over. */
  maxSightings: number;
}

export const DEFAULT_PREPARE_POLICY: PreparePolicy = { maxStatements: 500, maxParameters: 128, preparedFromRun: 2, maxSightings: 5_000 };

export class StatementPreparer {
  private readonly prepared = new Set<string>();
  private readonly sightings = new Map<string, number>();

  constructor(private readonly policy: PreparePolicy = DEFAULT_PREPARE_POLICY) {}

  /** Whether the query should run as a prepared statement; counts the run. */
  shouldPrepare(text: string, parameterCount: number): boolean {
    // Without parameters postgres.js sends an unnamed statement in one round trip anyway.
    if (parameterCount === 0 || parameterCount > this.policy.maxParameters) return false;
    if (this.prepared.has(text)) return true;
    if (this.prepared.size >= this.policy.maxStatements) return false;
    const runs = (this.sightings.get(text) ?? 0) + 1;
    if (runs < this.policy.preparedFromRun) {
      if (this.sightings.size >= this.policy.maxSightings) this.sightings.clear();
      this.sightings.set(text, runs);
      return false;
    }
    this.sightings.delete(text);
    this.prepared.add(text);
    return true;
  }

  /** How many texts are prepared (for tests and diagnostics). */
  get preparedCount(): number {
    return this.prepared.size;
  }
}

type UnsafeOptions = NonNullable<Parameters<Sql["unsafe"]>[2]>;

/**
 * `client` with every query it and its transactions (and their savepoints) run deciding through
 * `preparer` whether to be a prepared statement. A query given a name by Drizzle stays prepared.
 */
export function withPreparedStatements<T extends Sql>(client: T, preparer: StatementPreparer): T {
  const unsafe = (text: string, parameters?: unknown[], options?: UnsafeOptions) => {
    const prepare = options?.prepare === true || preparer.shouldPrepare(text, parameters?.length ?? 0);
    return client.unsafe(text, parameters as never, { ...options, prepare });
  };
  // begin(fn), begin(options, fn), savepoint(fn), savepoint(name, fn): the callback comes last.
  const passingOn =
    (method: "begin" | "savepoint") =>
    (...args: unknown[]) => {
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === "function") args[last] = (transaction: Sql) => (callback as (sql: Sql) => unknown)(withPreparedStatements(transaction, preparer));
      return (client[method as keyof T] as (...a: unknown[]) => unknown)(...args);
    };
  const begin = passingOn("begin");
  const savepoint = passingOn("savepoint");
  return new Proxy(client, {
    get(target, property) {
      if (property === "unsafe") return unsafe;
      if (property === "begin" && "begin" in target) return begin;
      if (property === "savepoint" && "savepoint" in target) return savepoint;
      return Reflect.get(target, property, target);
    },
  });
}
