/** Server messages (lowercase clauses, by the API's style) shown as sentences in the console. */

/**
 * "e-mail or password is not right" → "E-mail or password is not right." A message that starts
 * with a name ("dana@example.com is not in any group…") keeps it as written.
 */
export function sentence(message: string): string {
  const text = message.trim();
  if (!text) return text;
  const first = /^[a-z][a-z-]*(?=[\s.,:;!?)]|$)/.test(text) ? `${text[0]!.toUpperCase()}${text.slice(1)}` : text;
  return `${first}${/[.!?]$/.test(text) ? "" : "."}`;
}

/** "14 min", "45 s": how long until the sign-in throttle lets this e-mail try again. */
export function waitText(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  return `${Math.ceil(seconds / 60)} min`;
}
