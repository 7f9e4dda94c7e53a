-- Generated rule names are `<base>`, `<base>-2`, `<base>-3`…: in byte order every `<base>-…` lies in
-- [`<base>-`, `<base>.`), one index range, where a LIKE under the database's collation read every rule.
CREATE INDEX "grants_name_bytes_idx" ON "grants" USING btree ("name" collate "C");