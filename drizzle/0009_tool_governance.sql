CREATE TABLE "server_probe_headers" (
	"server_id" uuid NOT NULL,
	"name" text NOT NULL,
	"value" text NOT NULL,
	"set_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"set_by" text NOT NULL,
	CONSTRAINT "server_probe_headers_server_id_name_pk" PRIMARY KEY("server_id","name")
);
--> statement-breakpoint
CREATE TABLE "server_tools" (
	"server_id" uuid PRIMARY KEY NOT NULL,
	"on_tool_drift" text DEFAULT 'hold-changed' NOT NULL,
	"pinned" jsonb,
	"pinned_at" timestamp (3) with time zone,
	"pinned_by" text,
	"latest" jsonb,
	"rejected_digest" text,
	"last_attempt_at" timestamp (3) with time zone,
	"last_error" text,
	"version" integer DEFAULT 1 NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "server_tools_on_tool_drift_check" CHECK ("server_tools"."on_tool_drift" in ('hold-changed', 'suspend-server'))
);
--> statement-breakpoint
ALTER TABLE "server_probe_headers" ADD CONSTRAINT "server_probe_headers_server_id_mcp_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "server_tools" ADD CONSTRAINT "server_tools_server_id_mcp_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_servers"("id") ON DELETE cascade ON UPDATE no action;