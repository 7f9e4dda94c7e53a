/** What every command gets: the API client for the resolved connection, the output format, and its streams. */
import type { Command } from "commander";
import { ApiClient } from "./client";
import { configPath, readStoredLogin, resolveConnection } from "./config";
import { parseOutputFormat, render, type OutputFormat } from "./output";
import type { TextStream } from "./progress";

/** The process's side of a command, injectable so commands run the same in tests. */
export interface Io {
  env: Record<string, string | undefined>;
  stdout: TextStream;
  stderr: TextStream;
  stdinIsTTY: boolean;
  fetch: typeof fetch;
  /** Reads a line from the terminal without echoing it (for a token). */
  promptSecret(question: string): Promise<string>;
}

export interface GlobalOptions {
  output: string;
  url?: string;
  token?: string;
}

export interface CommandContext {
  io: Io;
  format: OutputFormat;
  globals: GlobalOptions;
  /** Where `oc login` keeps the URL and token. */
  configFile: string;
  /** Built on first use, so `oc login` and `--help` never need a stored login. */
  readonly client: ApiClient;
  /** Prints data on stdout: as is for json/yaml, through `table` for people. */
  output<T>(data: T, table: (data: T) => string): void;
  /** A message for people on stderr, so stdout stays parseable. */
  note(message: string): void;
}

export function createContext(command: Command, io: Io): CommandContext {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const format = parseOutputFormat(globals.output);
  const configFile = configPath(io.env);
  let client: ApiClient | undefined;
  return {
    io,
    format,
    globals,
    configFile,
    get client() {
      client ??= new ApiClient(resolveConnection(globals, io.env, readStoredLogin(configFile)), io.fetch);
      return client;
    },
    output: (data, table) => io.stdout.write(render(data, format, table)),
    note: (message) => io.stderr.write(`${message}\n`),
  };
}

/** An action that receives the command context first, then commander's arguments and options. */
export function withContext<Args extends unknown[]>(io: Io, action: (ctx: CommandContext, ...args: Args) => Promise<void>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    await action(createContext(command, io), ...(args.slice(0, -1) as Args));
  };
}

/** The "Examples:" block shown after a command's options in --help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join("\n")}\n`;
}
