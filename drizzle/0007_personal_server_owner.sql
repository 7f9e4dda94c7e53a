ALTER TABLE "mcp_servers" ADD COLUMN "owner_tenant" text;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_owner_tenant_tenants_name_fk" FOREIGN KEY ("owner_tenant") REFERENCES "public"."tenants"("name") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mcp_servers_owner_tenant_idx" ON "mcp_servers" USING btree ("owner_tenant");--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD CONSTRAINT "mcp_servers_owner_tenant_check" CHECK ("mcp_servers"."owner_tenant" is null or "mcp_servers"."scope" = 'personal');