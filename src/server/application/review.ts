/** The review queue: documents held by a critical scan finding, and upstream changes staged for an admin. */
import { z } from "zod";
import {
  approveUpdate,
  approveUpdateInput,
  decideItems,
  rejectItem,
  rejectUpdate,
  releaseItem,
  reviewBatchInput,
  pageReviewQueue,
  reviewQueue,
  reviewReasonInput,
} from "../ingest/review";
import { reviewPageInput, reviewQueueInput } from "../ingest/source-model";
import { changeOrPreview } from "../policy/preview";
import { useCase } from "./use-case";

const itemId = z.string().min(1);
/** A rejection's reason; the body may be left out. */
const rejection = z.object({ id: itemId, review: reviewReasonInput.optional() });
const NO_REASON = { reason: "" };

export const quarantinedUseCase = useCase({
  name: "sources.quarantined",
  role: "viewer",
  mutates: false,
  args: reviewQueueInput,
  run: ({ services }, { source }) => reviewQueue(services.db, "quarantined", source),
});

export const pendingUpdatesUseCase = useCase({
  name: "sources.pendingUpdates",
  role: "viewer",
  mutates: false,
  args: reviewQueueInput,
  run: ({ services }, { source }) => reviewQueue(services.db, "pending-update", source),
});

/** One review queue a page at a time, filtered and sorted, for the console's review page. */
export const reviewPageUseCase = useCase({
  name: "sources.reviewPage",
  role: "viewer",
  mutates: false,
  args: reviewPageInput,
  run: ({ services }, query) => pageReviewQueue(services.db, query),
});

export const releaseItemUseCase = useCase({
  name: "sources.release",
  role: "admin",
  mutates: true,
  args: z.object({ id: itemId, review: reviewReasonInput.optional() }),
  run: ({ services, change }, { id, review }) => releaseItem(services.db, change, id, review ?? NO_REASON),
});

export const rejectItemUseCase = useCase({
  name: "sources.reject",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: rejection,
  run: ({ services, change }, { id, review }) => rejectItem(services.db, change, id, review ?? NO_REASON),
});

/** Releases or rejects several quarantined items: all of them, or none with the reason why. */
export const decideItemsUseCase = useCase({
  name: "sources.decideItems",
  role: "admin",
  mutates: true,
  args: z.object({ batch: reviewBatchInput, dryRun: z.boolean().default(false) }),
  invalid: () => "cannot decide these items",
  run: ({ services, change }, { batch, dryRun }) => changeOrPreview(services.db, dryRun, (db) => decideItems(db, change, batch)),
});

export const approveUpdateUseCase = useCase({
  name: "sources.approveUpdate",
  role: "admin",
  mutates: true,
  args: z.object({ id: itemId, approval: approveUpdateInput, dryRun: z.boolean().default(false) }),
  invalid: () => "cannot approve the update",
  run: ({ services, change }, { id, approval, dryRun }) => changeOrPreview(services.db, dryRun, (db) => approveUpdate(db, change, id, approval)),
});

export const rejectUpdateUseCase = useCase({
  name: "sources.rejectUpdate",
  role: "admin",
  mutates: true,
  changesSnapshot: false,
  args: rejection,
  run: ({ services, change }, { id, review }) => rejectUpdate(services.db, change, id, review ?? NO_REASON),
});
