CREATE TABLE "catalog_changes" (
	"txid" bigint DEFAULT txid_current() NOT NULL,
	"entity" text NOT NULL,
	"key" text NOT NULL,
	"recorded_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "catalog_changes_txid_idx" ON "catalog_changes" USING btree ("txid");--> statement-breakpoint
CREATE INDEX "catalog_changes_recorded_at_idx" ON "catalog_changes" USING btree ("recorded_at");--> statement-breakpoint
CREATE INDEX "contract_revisions_revision_idx" ON "contract_revisions" USING btree ("revision");--> statement-breakpoint
CREATE FUNCTION "catalog_record_change"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_key text;
  new_key text;
BEGIN
  IF TG_OP <> 'INSERT' THEN old_key := to_jsonb(OLD) ->> TG_ARGV[1]; END IF;
  IF TG_OP <> 'DELETE' THEN new_key := to_jsonb(NEW) ->> TG_ARGV[1]; END IF;
  IF old_key IS NOT NULL THEN INSERT INTO "catalog_changes" ("entity", "key") VALUES (TG_ARGV[0], old_key); END IF;
  IF new_key IS NOT NULL AND new_key IS DISTINCT FROM old_key THEN INSERT INTO "catalog_changes" ("entity", "key") VALUES (TG_ARGV[0], new_key); END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_mcp_servers" AFTER INSERT OR UPDATE OR DELETE ON "mcp_servers" FOR EACH ROW EXECUTE FUNCTION "catalog_record_change"('server', 'name');
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_tenants" AFTER INSERT OR UPDATE OR DELETE ON "tenants" FOR EACH ROW EXECUTE FUNCTION "catalog_record_change"('tenant', 'name');
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_groups" AFTER INSERT OR UPDATE OR DELETE ON "groups" FOR EACH ROW EXECUTE FUNCTION "catalog_record_change"('group', 'name');
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_group_members" AFTER INSERT OR UPDATE OR DELETE ON "group_members" FOR EACH ROW EXECUTE FUNCTION "catalog_record_change"('group', 'group_name');
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_grants" AFTER INSERT OR UPDATE OR DELETE ON "grants" FOR EACH ROW EXECUTE FUNCTION "catalog_record_change"('rule', 'id');
--> statement-breakpoint
CREATE FUNCTION "catalog_record_truncate"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "catalog_changes" ("entity", "key") VALUES ('all', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_truncate_mcp_servers" AFTER TRUNCATE ON "mcp_servers" FOR EACH STATEMENT EXECUTE FUNCTION "catalog_record_truncate"();
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_truncate_tenants" AFTER TRUNCATE ON "tenants" FOR EACH STATEMENT EXECUTE FUNCTION "catalog_record_truncate"();
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_truncate_groups" AFTER TRUNCATE ON "groups" FOR EACH STATEMENT EXECUTE FUNCTION "catalog_record_truncate"();
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_truncate_group_members" AFTER TRUNCATE ON "group_members" FOR EACH STATEMENT EXECUTE FUNCTION "catalog_record_truncate"();
--> statement-breakpoint
CREATE TRIGGER "catalog_changes_truncate_grants" AFTER TRUNCATE ON "grants" FOR EACH STATEMENT EXECUTE FUNCTION "catalog_record_truncate"();
