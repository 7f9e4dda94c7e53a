/**
 * The browser's calls to /api/auth/*: plain JSON POSTs from the page (same origin, so the browser
 * sends Origin and the session cookie comes back as HttpOnly).
 */
export interface AuthApiError {
  status: number;
  code: string;
  message: string;
  fieldErrors: Record<string, string[]>;
  details: Record<string, unknown>;
}

export type AuthApiResult = { ok: true; status: number } | ({ ok: false } & AuthApiError);

export async function postAuth(path: string, body: unknown): Promise<AuthApiResult> {
  let response: Response;
  try {
    response = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  } catch {
    return {
      ok: false,
      status: 0,
      code: "NETWORK",
      message: "the control plane could not be reached: check your connection and try again",
      fieldErrors: {},
      details: {},
    };
  }
  if (response.ok) return { ok: true, status: response.status };
  const payload = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null;
  const details = payload?.error?.details ?? {};
  return {
    ok: false,
    status: response.status,
    code: payload?.error?.code ?? `HTTP_${response.status}`,
    message: payload?.error?.message ?? `the server answered ${response.status}`,
    fieldErrors: (details.fieldErrors as Record<string, string[]> | undefined) ?? {},
    details,
  };
}
