ALTER TABLE "grants" ADD COLUMN "name" text;--> statement-breakpoint
-- Names every existing rule as the store names a rule saved without one (generatedRuleName in
-- src/server/policy/model.ts): subject and servers, made unique with -2, -3… in creation order.
DO $$
DECLARE
  rule record;
  base text;
  candidate text;
  n integer;
BEGIN
  FOR rule IN SELECT "id", "subject", "subject_type", "subject_name", "servers" FROM "grants" ORDER BY "created_at", "id" LOOP
    base := CASE rule."subject_type"
      WHEN 'everyone' THEN 'everyone'
      WHEN 'selector' THEN 'selector-' || coalesce((SELECT string_agg(key || '-' || value, '-' ORDER BY key COLLATE "C") FROM jsonb_each_text(rule."subject" -> 'matchLabels')), '')
      ELSE rule."subject_type" || '-' || coalesce(rule."subject_name", '')
    END || '-' || replace(replace(rule."servers", '*', 'all'), '?', 'x');
    base := regexp_replace(regexp_replace(lower(base), '[^a-z0-9-]+', '-', 'g'), '-{2,}', '-', 'g');
    base := rtrim(left(trim(BOTH '-' FROM base), 56), '-');
    IF base = '' THEN base := 'rule'; END IF;
    candidate := base;
    n := 1;
    WHILE EXISTS (SELECT 1 FROM "grants" WHERE "name" = candidate) LOOP
      n := n + 1;
      candidate := base || '-' || n;
    END LOOP;
    UPDATE "grants" SET "name" = candidate WHERE "id" = rule."id";
  END LOOP;
END $$;--> statement-breakpoint
ALTER TABLE "grants" ALTER COLUMN "name" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "grants_name_key" ON "grants" USING btree ("name");
