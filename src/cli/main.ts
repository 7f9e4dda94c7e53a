/** The `oc` process: wires the command tree to this process's streams and turns errors into exit codes. */
import readline from "node:readline";
import { Writable } from "node:stream";
import { CommanderError } from "commander";
import type { Io } from "./context";
import { CliError, EXIT, formatError } from "./errors";
import { createProgram } from "./program";

/** Reads a token from the terminal without showing it: readline writes its echo to a stream that drops it. */
function promptSecret(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
    const rl = readline.createInterface({ input: process.stdin, output: silent, terminal: true });
    process.stderr.write(question);
    rl.on("SIGINT", () => {
      rl.close();
      process.stderr.write("\n");
      reject(new CliError("cancelled", EXIT.usage));
    });
    rl.question("", (answer) => {
      rl.close();
      process.stderr.write("\n");
      resolve(answer);
    });
  });
}

const io: Io = {
  env: process.env,
  stdout: { isTTY: Boolean(process.stdout.isTTY), write: (text) => void process.stdout.write(text) },
  stderr: { isTTY: Boolean(process.stderr.isTTY), write: (text) => void process.stderr.write(text) },
  stdinIsTTY: Boolean(process.stdin.isTTY),
  fetch: globalThis.fetch,
  promptSecret,
};

async function main(argv: string[]): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    // Commander has printed its own message (usage errors) or the help (--help, --version).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CliError) {
      process.stderr.write(`${formatError(error)}\n`);
      return error.exitCode;
    }
    process.stderr.write(`oc: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}

void main(process.argv).then((code) => {
  process.exitCode = code;
});
