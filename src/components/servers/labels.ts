import type { McpServer, RuntimeType } from "@/server/catalog/model";

export const RUNTIME_LABELS: Record<RuntimeType | "none", string> = {
  remote: "Remote",
  npx: "npx",
  uvx: "uvx",
  containerized: "Containerized",
  none: "None",
};

export const SCOPE_LABELS = { org: "Organization", department: "Department", project: "Project", personal: "Personal" } as const;

export const USER_TYPE_LABELS = { singleUser: "Single user", multiUser: "Multi user" } as const;

export function runtimeLabel(server: Pick<McpServer, "runtime">): string {
  return RUNTIME_LABELS[server.runtime?.type ?? "none"];
}
