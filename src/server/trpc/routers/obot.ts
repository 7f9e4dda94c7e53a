import { obotStatusUseCase } from "../../application/obot";
import { procedureOf, router } from "../init";

/** The twin of GET /api/v1/obot, for the console. */
export const obotRouter = router({
  status: procedureOf(obotStatusUseCase),
});
