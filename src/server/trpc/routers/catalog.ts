import * as catalog from "../../application/catalog";
import { procedureOf, router } from "../init";

export const catalogRouter = router({
  list: procedureOf(catalog.listServersUseCase),
  get: procedureOf(catalog.getServerDetail),
  stats: procedureOf(catalog.catalogStatsUseCase),
  create: procedureOf(catalog.createServerUseCase),
  update: procedureOf(catalog.updateServerUseCase),
  delete: procedureOf(catalog.deleteServerUseCase),
  publish: procedureOf(catalog.publishServerUseCase),
  disable: procedureOf(catalog.disableServerUseCase),
  batch: procedureOf(catalog.batchServersUseCase),
  import: procedureOf(catalog.importServersUseCase),
  importFiles: procedureOf(catalog.importFilesUseCase),
  demoLoaded: procedureOf(catalog.demoLoadedUseCase),
  loadDemo: procedureOf(catalog.loadDemoUseCase),
});
