import * as tools from "../../application/tools";
import { procedureOf, router } from "../init";

export const toolsRouter = router({
  get: procedureOf(tools.serverToolsUseCase),
  discover: procedureOf(tools.discoverToolsUseCase),
  upload: procedureOf(tools.uploadToolsUseCase),
  settings: procedureOf(tools.toolSettingsUseCase),
  probeHeaders: procedureOf(tools.probeHeadersUseCase),
  drift: procedureOf(tools.toolDriftQueueUseCase),
  driftPage: procedureOf(tools.toolDriftPageUseCase),
  approveDrift: procedureOf(tools.approveToolDriftUseCase),
  rejectDrift: procedureOf(tools.rejectToolDriftUseCase),
});
