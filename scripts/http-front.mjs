/**
 * The app's HTTP front: answers requests that no route of the app can take, before Next.js sees
 * them. Next.js answers them with a plain-text 500 (it cannot decode the path's percent-escapes,
 * or cannot build a Request for the method), which reads as a server fault; they are the
 * client's mistake, so they get a 4xx that says what is wrong. Plain JavaScript: the production
 * server (scripts/server.mjs) runs without a TypeScript loader.
 */

/** The methods some route of the app serves (Next.js adds HEAD and OPTIONS to every route). */
export const SERVED_METHODS = Object.freeze(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The answer for a request no route can take, or null for one the app should see.
 * @param {string | undefined} method
 * @param {string | undefined} target the request target as sent (`req.url`)
 * @returns {{ status: number, headers: Record<string, string>, body: string } | null}
 */
export function refusal(method, target) {
  const url = target ?? "/";
  const pathname = url.split("?")[0].split("#")[0];
  if (!SERVED_METHODS.includes(method ?? "")) {
    return answer(pathname, 405, "METHOD_NOT_ALLOWED", `${method} is not served here: use one of ${SERVED_METHODS.join(", ")}`, {
      Allow: SERVED_METHODS.join(", "),
    });
  }
  if (!pathname.startsWith("/")) {
    return answer("/", 400, "BAD_REQUEST", `request target '${limit(url)}' is not a path: send origin-form (/path?query)`);
  }
  try {
    decodeURIComponent(pathname);
  } catch {
    return answer(
      pathname,
      400,
      "BAD_REQUEST",
      `the path '${limit(pathname)}' is not valid percent-encoding: each % must start an escape of UTF-8 bytes (%E2%9C%93), and a literal % is sent as %25`,
    );
  }
  return null;
}

/** API paths answer in the API's error shape; pages in plain text. */
function answer(pathname, status, code, message, headers = {}) {
  const api = pathname === "/api" || pathname.startsWith("/api/");
  return {
    status,
    headers: {
      "Content-Type": api ? "application/json" : "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
      ...headers,
    },
    body: api ? JSON.stringify({ error: { code, message, details: {} } }) : `${status} ${message}\n`,
  };
}

function limit(text) {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/**
 * A node:http request listener that refuses what no route can take and hands the rest to `handler`.
 * @param {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => unknown} handler
 */
export function withHttpFront(handler) {
  return (req, res) => {
    const refused = refusal(req.method, req.url);
    if (!refused) return handler(req, res);
    const body = req.method === "HEAD" ? "" : refused.body;
    res.writeHead(refused.status, { ...refused.headers, "Content-Length": Buffer.byteLength(refused.body) });
    res.end(body);
  };
}
