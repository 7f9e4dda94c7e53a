-- A change to a server's tool governance state (pin, latest manifest, onToolDrift) is a change to
-- the server for the catalog mirror: it reloads the server, and with it the tools its contracts,
-- TOOLS.md and Obot entry list, on every replica.
CREATE FUNCTION "catalog_record_tools_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  server_id uuid;
  server_name text;
BEGIN
  IF TG_OP = 'DELETE' THEN server_id := OLD.server_id; ELSE server_id := NEW.server_id; END IF;
  SELECT "name" INTO server_name FROM "mcp_servers" WHERE "id" = server_id;
  -- A server deleted with its tools recorded its own change.
  IF server_name IS NOT NULL THEN INSERT INTO "catalog_changes" ("entity", "key") VALUES ('server', server_name); END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_server_tools" AFTER INSERT OR DELETE ON "server_tools" FOR EACH ROW EXECUTE FUNCTION "catalog_record_tools_change"();
--> statement-breakpoint
-- Discovery attempts (last_attempt_at, last_error) and rejections change nothing a consumer reads.
CREATE TRIGGER "catalog_changes_server_tools_update" AFTER UPDATE ON "server_tools" FOR EACH ROW
  WHEN (OLD."pinned" IS DISTINCT FROM NEW."pinned" OR OLD."latest" IS DISTINCT FROM NEW."latest" OR OLD."on_tool_drift" IS DISTINCT FROM NEW."on_tool_drift" OR OLD."server_id" IS DISTINCT FROM NEW."server_id")
  EXECUTE FUNCTION "catalog_record_tools_change"();
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_truncate_server_tools" AFTER TRUNCATE ON "server_tools" FOR EACH STATEMENT EXECUTE FUNCTION "catalog_record_truncate"();
