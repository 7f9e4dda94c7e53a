import { defaultShouldDehydrateQuery, MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { isUnauthorized } from "@/lib/domain-error";
import { loginHref } from "@/lib/return-to";

/** One QueryClient per server render, and one for the browser's lifetime. */
export function createQueryClient() {
  const browser = typeof window !== "undefined";
  return new QueryClient({
    // In the browser, an UNAUTHORIZED answer means the session ended: sign in again, then come back.
    queryCache: browser ? new QueryCache({ onError: sendToLoginIfSignedOut }) : undefined,
    mutationCache: browser ? new MutationCache({ onError: sendToLoginIfSignedOut }) : undefined,
    defaultOptions: {
      queries: {
        // Server-rendered data is fresh for a while; don't refetch it the moment the page hydrates.
        staleTime: 30_000,
        // On the server a failed query fails the render at once (a missing server is a 404, not a 3 s wait).
        retry: browser ? (failures, error) => failures < 2 && !isClientError(error) : false,
      },
      dehydrate: {
        shouldDehydrateQuery: (query) => defaultShouldDehydrateQuery(query) || query.state.status === "pending",
      },
    },
  });
}

let redirecting = false;

function sendToLoginIfSignedOut(error: unknown) {
  if (!isUnauthorized(error) || redirecting) return;
  redirecting = true;
  window.location.assign(loginHref(`${window.location.pathname}${window.location.search}`, { expired: true }));
}

/** 4xx answers (not found, validation) don't get better by retrying. */
function isClientError(error: unknown): boolean {
  const status = (error as { data?: { httpStatus?: number } } | null)?.data?.httpStatus;
  return typeof status === "number" && status >= 400 && status < 500;
}
