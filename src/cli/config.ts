/** Where `oc` finds the control plane and its token: flags, then environment, then the login file. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CliError, EXIT } from "./errors";

export interface StoredLogin {
  url: string;
  token: string;
}

export interface Connection {
  url: string;
  token: string | undefined;
}

type Env = Record<string, string | undefined>;

/** OPENCRANE_CONFIG, else $XDG_CONFIG_HOME/opencrane/config.json, else ~/.config/opencrane/config.json. */
export function configPath(env: Env = process.env, home = os.homedir()): string {
  if (env.OPENCRANE_CONFIG) return path.resolve(env.OPENCRANE_CONFIG);
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, ".config");
  return path.join(base, "opencrane", "config.json");
}

/** "http://host:3000/" and "http://host:3000" are the same control plane. */
export function normalizeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new CliError(`'${raw}' is not a URL: give the control plane's address, e.g. https://opencrane.example.com`, EXIT.usage);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new CliError(`'${raw}' must be an http:// or https:// URL`, EXIT.usage);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * Flags win over the environment, which wins over the login file. The stored token is only sent to
 * the URL it was stored for: `--url` pointing elsewhere must not leak it to another server.
 */
export function resolveConnection(flags: { url?: string; token?: string }, env: Env, stored: StoredLogin | null): Connection {
  const rawUrl = flags.url ?? env.OPENCRANE_URL ?? stored?.url;
  if (!rawUrl) {
    throw new CliError("no control plane URL: run `oc login --url URL`, or pass --url or set OPENCRANE_URL", EXIT.usage);
  }
  const url = normalizeUrl(rawUrl);
  const storedToken = stored && normalizeUrl(stored.url) === url ? stored.token : undefined;
  return { url, token: flags.token ?? env.OPENCRANE_TOKEN ?? storedToken };
}

export function readStoredLogin(file: string): StoredLogin | null {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredLogin>;
    if (typeof parsed.url === "string" && typeof parsed.token === "string") return { url: parsed.url, token: parsed.token };
  } catch {
    // reported below
  }
  throw new CliError(`${file} is not an oc login file ({"url", "token"}): run \`oc login\` again or remove it`, EXIT.usage);
}

/** Written to a temporary file first and renamed, so a crash never leaves half a token; owner-only. */
export function writeStoredLogin(file: string, login: StoredLogin): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}

/** True when there was a login to forget. */
export function removeStoredLogin(file: string): boolean {
  try {
    fs.unlinkSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
