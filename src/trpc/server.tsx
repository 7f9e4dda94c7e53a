/**
 * tRPC for server components: calls procedures in-process (no HTTP) and hands the results to the
 * client's QueryClient through <HydrateClient>.
 */
import "server-only";
import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { headers } from "next/headers";
import { cache } from "react";
import { readyServices, startupError } from "@/server/app";
import { appRouter } from "@/server/trpc/root";
import { createTrpcContext } from "./context";
import { createQueryClient } from "./query-client";

export class ControlPlaneStarting extends Error {
  constructor() {
    const reason = startupError();
    super(`The control plane is starting${reason ? ` (${reason})` : ""}. Try again in a few seconds.`);
    this.name = "ControlPlaneStarting";
  }
}

const createContext = cache(async () => {
  const services = readyServices();
  if (!services) throw new ControlPlaneStarting();
  return createTrpcContext(services, { headers: await headers() });
});

export const getQueryClient = cache(createQueryClient);

export const trpc = createTRPCOptionsProxy({ router: appRouter, ctx: createContext, queryClient: getQueryClient });

export function HydrateClient({ children }: { children: React.ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
