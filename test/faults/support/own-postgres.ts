/**
 * A Postgres server of the fault suite's own: initdb in a temp directory, started and stopped with
 * pg_ctl on a free port, so a test can take the database away without touching the shared server
 * on 5432. As root (CI), the server runs as the `postgres` OS user, which owns the directory.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { IN_CI } from "../../support/env";

const run = promisify(execFile);

/** The newest installed PostgreSQL's binaries (Debian layout), or PG_BIN. */
export function postgresBinDir(): string | null {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? path.join(root, versions[0]!, "bin") : null;
}

/** Skip outside CI when no PostgreSQL binaries are installed; in CI that is a failure. */
export function ownPostgresAvailable(): boolean {
  const available = postgresBinDir() !== null;
  if (!available && IN_CI) throw new Error("CI=true but no PostgreSQL binaries (/usr/lib/postgresql/*/bin or PG_BIN): the fault suite needs them");
  return available;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class OwnPostgres {
  private constructor(
    private readonly bin: string,
    readonly dir: string,
    private readonly asUser: string | null,
    /** The port the app is configured with. */
    readonly port: number,
  ) {}

  static async create(): Promise<OwnPostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error("no PostgreSQL binaries found");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opencrane-faults-"));
    const asUser = process.getuid?.() === 0 ? "postgres" : null;
    if (asUser) {
      const { stdout } = await run("id", ["-u", asUser]);
      const { stdout: gid } = await run("id", ["-g", asUser]);
      fs.chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    const server = new OwnPostgres(bin, dir, asUser, await freePort());
    await server.exec("initdb", ["-D", server.dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
    await server.start();
    const admin = postgres(server.url("postgres"), { max: 1, onnotice: () => {} });
    try {
      await admin`create database opencrane`;
    } finally {
      await admin.end();
    }
    return server;
  }

  get dataDir(): string {
    return path.join(this.dir, "data");
  }

  url(database = "opencrane", port = this.port): string {
    return `postgres://postgres@127.0.0.1:${port}/${database}`;
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const file = path.join(this.bin, tool);
    const [command, argv] = this.asUser ? ["runuser", ["-u", this.asUser, "--", file, ...args]] : [file, args];
    try {
      await run(command, argv, { cwd: this.dir, timeout: 60_000 });
    } catch (error) {
      const log = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, "utf8").slice(-2000) : "";
      throw new Error(`${tool} ${args.join(" ")} failed: ${(error as Error).message}\n${log}`);
    }
  }

  private get logFile(): string {
    return path.join(this.dir, "postgres.log");
  }

  /** Starts the server, on the app's port unless told otherwise (a port the app does not know). */
  async start(port = this.port): Promise<void> {
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off -c full_page_writes=off`;
    await this.exec("pg_ctl", ["start", "-w", "-t", "30", "-D", this.dataDir, "-l", this.logFile, "-o", options]);
  }

  /** A fast shutdown: open connections are terminated, as when a database fails over or restarts. */
  async stop(): Promise<void> {
    await this.exec("pg_ctl", ["stop", "-w", "-t", "30", "-m", "fast", "-D", this.dataDir]);
  }

  async destroy(): Promise<void> {
    await this.exec("pg_ctl", ["stop", "-w", "-t", "30", "-m", "immediate", "-D", this.dataDir]).catch(() => undefined);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
