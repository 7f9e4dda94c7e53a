-- Hand-edited: NOT VALID, so a database that already holds an active server without a runtime (the
-- defect this constraint closes) still migrates; every later write of such a row is checked.
ALTER TABLE "mcp_servers" ADD COLUMN "overrides" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_active_runtime_check" CHECK ("mcp_servers"."status" <> 'active' or ("mcp_servers"."runtime" is not null and "mcp_servers"."runtime" <> 'null'::jsonb)) NOT VALID;