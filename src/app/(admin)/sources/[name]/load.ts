import { TRPCError } from "@trpc/server";
import { notFound } from "next/navigation";
import { getQueryClient, trpc } from "@/trpc/server";

/** Loads the source into the request's query client (for hydration), or renders the not-found page. */
export async function loadSourceOr404(name: string) {
  try {
    return await getQueryClient().fetchQuery(trpc.sources.get.queryOptions({ name }));
  } catch (error) {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  }
}
