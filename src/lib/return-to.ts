/** Where the login page sends someone back to: same-site paths only (the server's rule). */
import { safeReturnTo } from "@/server/auth/return-to";

export { safeReturnTo };

/** Pages a sign-in should never return to. */
const NOT_AFTER_SIGN_IN = /^\/(login|setup)(?:[/?#]|$)/;

export function returnToAfterSignIn(value: string | null | undefined): string {
  const path = safeReturnTo(value);
  return NOT_AFTER_SIGN_IN.test(path) ? "/" : path;
}

/**
 * The login page, coming back to `path` afterwards (the dashboard needs no returnTo);
 * `expired` when a session ended under the user's feet, so the page can say so.
 */
export function loginHref(path?: string | null, { expired = false } = {}): string {
  const params = new URLSearchParams();
  const returnTo = returnToAfterSignIn(path);
  if (returnTo !== "/") params.set("returnTo", returnTo);
  if (expired) params.set("session", "expired");
  const query = params.toString();
  return query ? `/login?${query}` : "/login";
}
