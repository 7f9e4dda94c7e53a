CREATE TABLE "catalog_revisions" (
	"revision" bigint PRIMARY KEY NOT NULL,
	"tx" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "change_set" text;--> statement-breakpoint
-- Without a default first: existing events keep null (no rewrite of the log), new ones get their transaction.
ALTER TABLE "audit_events" ADD COLUMN "tx" bigint;--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "tx" SET DEFAULT txid_current();--> statement-breakpoint
ALTER TABLE "catalog_state" ADD COLUMN "tx" bigint;--> statement-breakpoint
CREATE INDEX "audit_events_change_set_idx" ON "audit_events" USING btree ("change_set");--> statement-breakpoint
CREATE INDEX "audit_events_tx_idx" ON "audit_events" USING btree ("tx");