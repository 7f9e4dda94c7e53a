import { changeOrPreview } from "../policy/preview";
import { json } from "./http";
import type { RestRequest } from "./router";

/** A change that can alter access: `?dryRun=true` answers its impact preview and writes nothing. */
export async function accessChange<T>(
  req: RestRequest,
  change: (db: RestRequest["services"]["db"]) => Promise<T>,
  done: (result: T) => Response,
): Promise<Response> {
  const dryRun = req.query.dryRun;
  // A route that forgot `dryRun: true` would otherwise make the change a caller asked only to preview.
  if (typeof dryRun !== "boolean") throw new Error(`${req.request.method} ${req.url.pathname} changes access but does not declare dryRun`);
  const outcome = await changeOrPreview(req.services.db, dryRun, change);
  if (outcome.dryRun) return json({ dryRun: true, impact: outcome.impact, result: outcome.result });
  return done(outcome.result);
}
