CREATE TABLE "audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"actor_kind" text NOT NULL,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"request_id" text,
	"source_ip" text
);
--> statement-breakpoint
CREATE TABLE "catalog_state" (
	"id" integer PRIMARY KEY NOT NULL,
	"revision" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "catalog_state_singleton" CHECK ("catalog_state"."id" = 1)
);
--> statement-breakpoint
CREATE TABLE "feed_fetches" (
	"feed" text NOT NULL,
	"user_agent" text NOT NULL,
	"status" integer NOT NULL,
	"last_at" timestamp (3) with time zone NOT NULL,
	"first_at" timestamp (3) with time zone NOT NULL,
	"count" bigint DEFAULT 0 NOT NULL,
	"last_remote_addr" text
);
--> statement-breakpoint
CREATE TABLE "mcp_servers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"display_name" text NOT NULL,
	"display_name_key" text NOT NULL,
	"short_description" text DEFAULT '' NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"transport" text NOT NULL,
	"endpoint" text,
	"runtime" jsonb,
	"package" jsonb,
	"env" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"server_user_type" text DEFAULT 'singleUser' NOT NULL,
	"scope" text DEFAULT 'org' NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"status_reason" text,
	"capabilities" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"categories" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"icon" text DEFAULT '' NOT NULL,
	"repo_url" text DEFAULT '' NOT NULL,
	"tool_preview" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"source_id" uuid,
	"provenance" jsonb,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "mcp_servers_status_check" CHECK ("mcp_servers"."status" in ('draft', 'active', 'degraded', 'disabled')),
	CONSTRAINT "mcp_servers_transport_check" CHECK ("mcp_servers"."transport" in ('streamable-http', 'sse', 'stdio')),
	CONSTRAINT "mcp_servers_scope_check" CHECK ("mcp_servers"."scope" in ('org', 'department', 'project', 'personal')),
	CONSTRAINT "mcp_servers_version_check" CHECK ("mcp_servers"."version" >= 1)
);
--> statement-breakpoint
CREATE INDEX "audit_events_entity_idx" ON "audit_events" USING btree ("entity_type","entity_id","id");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "feed_fetches_key" ON "feed_fetches" USING btree ("feed","user_agent","status");--> statement-breakpoint
CREATE INDEX "feed_fetches_last_at_idx" ON "feed_fetches" USING btree ("feed","last_at");--> statement-breakpoint
CREATE UNIQUE INDEX "mcp_servers_name_key" ON "mcp_servers" USING btree ("name");--> statement-breakpoint
CREATE UNIQUE INDEX "mcp_servers_display_name_key_key" ON "mcp_servers" USING btree ("display_name_key");--> statement-breakpoint
CREATE INDEX "mcp_servers_status_idx" ON "mcp_servers" USING btree ("status");--> statement-breakpoint
CREATE INDEX "mcp_servers_updated_at_idx" ON "mcp_servers" USING btree ("updated_at");