import { obotStatus } from "../../obot/status";
import { router, viewerProcedure } from "../init";

/** The twin of GET /api/v1/obot, for the console. */
export const obotRouter = router({
  status: viewerProcedure.query(({ ctx }) => obotStatus(ctx.services)),
});
