-- Every snapshot build's settle rewrites the revision of each tenant whose contract moved
-- (thousands when a widely allowed server changes). With revision indexed, each of those rows was
-- an index insert and the update could never be HOT; "the rows written since" reads the table
-- instead (a few hundred pages at 10,000 tenants). Half-full pages leave room for the new row
-- version on its own page, so the updates stay HOT. Existing pages fill as they are rewritten.
DROP INDEX "contract_revisions_revision_idx";--> statement-breakpoint
ALTER TABLE "contract_revisions" SET (fillfactor = 50);
