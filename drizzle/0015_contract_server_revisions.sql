-- A contract is its tenant's own part (contract_revisions) and the shared parts of the servers it
-- is allowed; its revision is the latest of theirs. A change to a server allowed to every tenant
-- then settles one row here instead of rewriting one row per tenant. The tenants' rows written
-- before this migration digest their whole contract: each moves once, at the first build.
CREATE TABLE "contract_server_revisions" (
	"server" text PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"revision" bigint NOT NULL
);
