import {
  catalogStatsUseCase,
  createServerUseCase,
  deleteServerUseCase,
  demoLoadedUseCase,
  disableServerUseCase,
  getServerDetail,
  importServersUseCase,
  listServersUseCase,
  loadDemoUseCase,
  publishServerUseCase,
  updateServerUseCase,
} from "../../application/catalog";
import { procedureOf, router } from "../init";

export const catalogRouter = router({
  list: procedureOf(listServersUseCase),
  get: procedureOf(getServerDetail),
  stats: procedureOf(catalogStatsUseCase),
  create: procedureOf(createServerUseCase),
  update: procedureOf(updateServerUseCase),
  delete: procedureOf(deleteServerUseCase),
  publish: procedureOf(publishServerUseCase),
  disable: procedureOf(disableServerUseCase),
  import: procedureOf(importServersUseCase),
  demoLoaded: procedureOf(demoLoadedUseCase),
  loadDemo: procedureOf(loadDemoUseCase),
});
