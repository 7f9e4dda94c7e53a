CREATE TABLE "contract_revisions" (
	"tenant" text PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"revision" bigint NOT NULL
);
