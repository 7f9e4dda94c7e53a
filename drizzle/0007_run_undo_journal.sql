CREATE TABLE "ingestion_run_undo" (
	"run_id" uuid NOT NULL,
	"table_name" text NOT NULL,
	"row_id" uuid NOT NULL,
	"before" jsonb,
	"after_version" integer,
	CONSTRAINT "ingestion_run_undo_run_id_table_name_row_id_pk" PRIMARY KEY("run_id","table_name","row_id"),
	CONSTRAINT "ingestion_run_undo_table_check" CHECK ("ingestion_run_undo"."table_name" in ('mcp_servers', 'source_items'))
);
--> statement-breakpoint
ALTER TABLE "ingestion_run_undo" ADD CONSTRAINT "ingestion_run_undo_run_id_ingestion_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."ingestion_runs"("id") ON DELETE cascade ON UPDATE no action;