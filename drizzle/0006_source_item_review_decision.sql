ALTER TABLE "source_items" ADD COLUMN "review_decision" text;--> statement-breakpoint
ALTER TABLE "source_items" ADD COLUMN "reviewed_by" text;--> statement-breakpoint
ALTER TABLE "source_items" ADD COLUMN "reviewed_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "source_items" ADD CONSTRAINT "source_items_review_decision_check" CHECK ("source_items"."review_decision" in ('released', 'rejected'));