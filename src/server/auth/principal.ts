import type { Actor, ChangeContext } from "../audit/audit";
import type { Role } from "./roles";

/** Who is calling, once authenticated. */
export interface Principal {
  kind: "user" | "token" | "bootstrap-token";
  /** The user's e-mail, or "bootstrap-token". */
  id: string;
  role: Role;
  userId: string | null;
  displayName: string;
  /** A browser session: its mutations must come from the same origin (CSRF). */
  viaSession: boolean;
  sessionId?: string;
  tokenId?: string;
  tokenName?: string;
}

export function actorOf(principal: Principal): Actor {
  switch (principal.kind) {
    case "user":
      return { kind: "user", id: principal.id };
    case "token":
      return { kind: "token", id: principal.id, via: `token ${principal.tokenName}` };
    case "bootstrap-token":
      return { kind: "bootstrap-token", id: "bootstrap-token" };
  }
}

export function changeContext(principal: Principal | null, request: { requestId?: string; sourceIp?: string }): ChangeContext {
  return {
    actor: principal ? actorOf(principal) : { kind: "anonymous", id: "anonymous" },
    requestId: request.requestId,
    sourceIp: request.sourceIp,
  };
}
