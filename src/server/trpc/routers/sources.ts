import {
  approveUpdateUseCase,
  pendingUpdatesUseCase,
  quarantinedUseCase,
  rejectItemUseCase,
  rejectUpdateUseCase,
  releaseItemUseCase,
} from "../../application/review";
import {
  approveSourceUseCase,
  createSourceUseCase,
  deleteSourceUseCase,
  getRunUseCase,
  getSourceUseCase,
  listRunsUseCase,
  listSourcesWithLastRun,
  syncSourceUseCase,
  updateSourceUseCase,
  uploadDocumentsUseCase,
} from "../../application/sources";
import { procedureOf, router } from "../init";

export const sourcesRouter = router({
  list: procedureOf(listSourcesWithLastRun),
  get: procedureOf(getSourceUseCase),
  create: procedureOf(createSourceUseCase),
  update: procedureOf(updateSourceUseCase),
  delete: procedureOf(deleteSourceUseCase),
  approve: procedureOf(approveSourceUseCase),
  sync: procedureOf(syncSourceUseCase),
  upload: procedureOf(uploadDocumentsUseCase),
  runs: procedureOf(listRunsUseCase),
  run: procedureOf(getRunUseCase),
  quarantined: procedureOf(quarantinedUseCase),
  pendingUpdates: procedureOf(pendingUpdatesUseCase),
  release: procedureOf(releaseItemUseCase),
  reject: procedureOf(rejectItemUseCase),
  approveUpdate: procedureOf(approveUpdateUseCase),
  rejectUpdate: procedureOf(rejectUpdateUseCase),
});
