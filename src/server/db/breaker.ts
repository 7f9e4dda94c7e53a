/**
 * A circuit breaker in front of the Postgres pool. When a query fails because the database
 * cannot be reached, a probe (one `select 1` on a fresh connection) checks whether the database
 * is really gone. A failed probe opens the breaker: every query then fails at once instead of
 * waiting for the driver to reconnect, so requests answer 503 in milliseconds during an outage.
 * While open, the breaker half-opens every `retryMs` to probe again, and closes on the first
 * probe that succeeds.
 */
export type BreakerState = "closed" | "open" | "half-open";

/** Thrown instead of running a query while the breaker is open; `cause` is the probe's error. */
export class DatabaseUnavailableError extends Error {
  readonly code = "DATABASE_UNAVAILABLE";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatabaseUnavailableError";
  }
}

export interface BreakerOptions {
  /** One round trip to the database on a connection of its own; rejects when it cannot be reached. */
  probe: () => Promise<void>;
  /** Whether a query's error means the database cannot be reached (rather than a bad query). */
  isUnavailable: (error: unknown) => boolean;
  /** How long the breaker stays open before it probes again. */
  retryMs: number;
  /** Called when the breaker opens (with the probe's error) and when it closes again (with how long it was open). */
  onChange?: (state: "open" | "closed", detail: { error?: unknown; downMs?: number }) => void;
  now?: () => number;
}

export class DatabaseBreaker {
  state: BreakerState = "closed";
  /** The error of the last failed probe while the breaker is not closed. */
  lastError: unknown = null;
  private openedAt = 0;
  private probing: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: BreakerOptions) {}

  private now() {
    return this.options.now?.() ?? Date.now();
  }

  /** Null when queries may run; otherwise the error to fail them with, at once. */
  refusal(): DatabaseUnavailableError | null {
    if (this.state === "closed") return null;
    const reason = this.lastError instanceof Error ? this.lastError.message : String(this.lastError);
    return new DatabaseUnavailableError(`the database is unreachable (${reason}); not trying again before the next probe`, {
      cause: this.lastError,
    });
  }

  /** Runs a query through the breaker: refused while open, and its connection failures start a probe. */
  async run<T>(query: () => Promise<T>): Promise<T> {
    const refusal = this.refusal();
    if (refusal) throw refusal;
    try {
      return await query();
    } catch (error) {
      if (this.options.isUnavailable(error)) void this.probe();
      throw error;
    }
  }

  /** Checks the database now (one probe at a time); never rejects: the outcome is the new state. */
  probe(): Promise<void> {
    this.probing ??= this.options
      .probe()
      .then(
        () => this.succeeded(),
        (error: unknown) => this.failed(error),
      )
      .finally(() => {
        this.probing = null;
      });
    return this.probing;
  }

  private succeeded() {
    if (this.state === "closed") return;
    const downMs = this.now() - this.openedAt;
    this.state = "closed";
    this.lastError = null;
    this.options.onChange?.("closed", { downMs });
  }

  private failed(error: unknown) {
    this.lastError = error;
    const wasClosed = this.state === "closed";
    this.state = "open";
    if (wasClosed) {
      this.openedAt = this.now();
      this.options.onChange?.("open", { error });
    }
    this.scheduleRetry();
  }

  private scheduleRetry() {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.stopped || this.state !== "open") return;
      this.state = "half-open";
      void this.probe();
    }, this.options.retryMs);
    this.retryTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
