-- Hand-edited: the runtime check is NOT VALID, so a database that already holds an active server without a
-- runtime (the defect this constraint closes) still migrates; every later write of such a row is checked.
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
ALTER TABLE "mcp_servers" ADD COLUMN "owner_tenant" text;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD COLUMN "overrides" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "ingestion_run_undo" ADD CONSTRAINT "ingestion_run_undo_run_id_ingestion_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."ingestion_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_owner_tenant_tenants_name_fk" FOREIGN KEY ("owner_tenant") REFERENCES "public"."tenants"("name") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mcp_servers_owner_tenant_idx" ON "mcp_servers" USING btree ("owner_tenant");--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_owner_tenant_check" CHECK ("mcp_servers"."owner_tenant" is null or "mcp_servers"."scope" = 'personal');--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_active_runtime_check" CHECK ("mcp_servers"."status" <> 'active' or ("mcp_servers"."runtime" is not null and "mcp_servers"."runtime" <> 'null'::jsonb)) NOT VALID;