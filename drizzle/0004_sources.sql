CREATE TABLE "ingestion_run_items" (
	"run_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"upstream_id" text NOT NULL,
	"name" text,
	"outcome" text NOT NULL,
	"findings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "ingestion_run_items_run_id_position_pk" PRIMARY KEY("run_id","position")
);
--> statement-breakpoint
CREATE TABLE "ingestion_runs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source_id" uuid NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"stage" text DEFAULT 'queued' NOT NULL,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"worker" text,
	"heartbeat_at" timestamp (3) with time zone,
	"queued_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	"created_by" text NOT NULL,
	"payload" jsonb,
	CONSTRAINT "ingestion_runs_status_check" CHECK ("ingestion_runs"."status" in ('queued', 'running', 'succeeded', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "source_items" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source_id" uuid NOT NULL,
	"upstream_id" text NOT NULL,
	"name" text,
	"upstream_version" text,
	"format" text,
	"digest" text NOT NULL,
	"document" jsonb NOT NULL,
	"findings" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"state" text NOT NULL,
	"server_id" uuid,
	"pending_spec" jsonb,
	"pending_diff" jsonb,
	"first_seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "source_items_state_check" CHECK ("source_items"."state" in ('registered', 'quarantined', 'rejected', 'pending-update', 'removed-upstream'))
);
--> statement-breakpoint
CREATE TABLE "third_party_sources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"url" text DEFAULT '' NOT NULL,
	"ref" text,
	"path" text,
	"include" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"exclude" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"sync_mode" text DEFAULT 'manual' NOT NULL,
	"interval_minutes" integer,
	"default_entitlements" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'pending-approval' NOT NULL,
	"last_error" text,
	"last_synced_at" timestamp (3) with time zone,
	"next_run_at" timestamp (3) with time zone,
	"approved_by" text,
	"approved_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "third_party_sources_kind_check" CHECK ("third_party_sources"."kind" in ('mcp-registry', 'git', 'manual-upload')),
	CONSTRAINT "third_party_sources_status_check" CHECK ("third_party_sources"."status" in ('pending-approval', 'healthy', 'syncing', 'error')),
	CONSTRAINT "third_party_sources_sync_mode_check" CHECK ("third_party_sources"."sync_mode" in ('manual', 'scheduled'))
);
--> statement-breakpoint
ALTER TABLE "ingestion_run_items" ADD CONSTRAINT "ingestion_run_items_run_id_ingestion_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."ingestion_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ingestion_runs" ADD CONSTRAINT "ingestion_runs_source_id_third_party_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."third_party_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_items" ADD CONSTRAINT "source_items_source_id_third_party_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."third_party_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_items" ADD CONSTRAINT "source_items_server_id_mcp_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_servers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ingestion_runs_source_idx" ON "ingestion_runs" USING btree ("source_id","queued_at");--> statement-breakpoint
CREATE INDEX "ingestion_runs_status_idx" ON "ingestion_runs" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "ingestion_runs_one_active_per_source" ON "ingestion_runs" USING btree ("source_id") WHERE "ingestion_runs"."status" in ('queued', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "source_items_upstream_key" ON "source_items" USING btree ("source_id","upstream_id");--> statement-breakpoint
CREATE INDEX "source_items_state_idx" ON "source_items" USING btree ("state");--> statement-breakpoint
CREATE UNIQUE INDEX "third_party_sources_name_key" ON "third_party_sources" USING btree ("name");--> statement-breakpoint
CREATE INDEX "third_party_sources_next_run_idx" ON "third_party_sources" USING btree ("next_run_at");--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_source_id_third_party_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."third_party_sources"("id") ON DELETE set null ON UPDATE no action;