import * as review from "../../application/review";
import * as sources from "../../application/sources";
import { procedureOf, router } from "../init";

export const sourcesRouter = router({
  list: procedureOf(sources.listSourcesWithLastRun),
  page: procedureOf(sources.pageSourcesUseCase),
  get: procedureOf(sources.getSourceUseCase),
  create: procedureOf(sources.createSourceUseCase),
  update: procedureOf(sources.updateSourceUseCase),
  delete: procedureOf(sources.deleteSourceUseCase),
  approve: procedureOf(sources.approveSourceUseCase),
  sync: procedureOf(sources.syncSourceUseCase),
  upload: procedureOf(sources.uploadDocumentsUseCase),
  runs: procedureOf(sources.listRunsUseCase),
  runsPage: procedureOf(sources.pageRunsUseCase),
  run: procedureOf(sources.getRunUseCase),
  runItems: procedureOf(sources.runItemsUseCase),
  quarantined: procedureOf(review.quarantinedUseCase),
  pendingUpdates: procedureOf(review.pendingUpdatesUseCase),
  reviewPage: procedureOf(review.reviewPageUseCase),
  release: procedureOf(review.releaseItemUseCase),
  reject: procedureOf(review.rejectItemUseCase),
  decideItems: procedureOf(review.decideItemsUseCase),
  approveUpdate: procedureOf(review.approveUpdateUseCase),
  rejectUpdate: procedureOf(review.rejectUpdateUseCase),
});
