import type { IncomingMessage, ServerResponse } from "node:http";

export declare const SERVED_METHODS: readonly string[];
export declare function refusal(
  method: string | undefined,
  target: string | undefined,
): { status: number; headers: Record<string, string>; body: string } | null;
export declare function withHttpFront(handler: (req: IncomingMessage, res: ServerResponse) => unknown): (req: IncomingMessage, res: ServerResponse) => unknown;
