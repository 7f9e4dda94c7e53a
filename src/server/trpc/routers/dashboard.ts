import { dashboardSummary } from "../../application/dashboard";
import { procedureOf, router } from "../init";

export const dashboardRouter = router({
  summary: procedureOf(dashboardSummary),
});
