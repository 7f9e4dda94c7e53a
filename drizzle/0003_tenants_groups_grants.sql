CREATE TABLE "grants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subject" jsonb NOT NULL,
	"subject_type" text NOT NULL,
	"subject_name" text,
	"servers" text NOT NULL,
	"access" text NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL,
	CONSTRAINT "grants_access_check" CHECK ("grants"."access" in ('allow', 'deny')),
	CONSTRAINT "grants_subject_type_check" CHECK ("grants"."subject_type" in ('everyone', 'group', 'tenant', 'selector'))
);
--> statement-breakpoint
CREATE TABLE "group_members" (
	"group_name" text NOT NULL,
	"tenant_name" text NOT NULL,
	CONSTRAINT "group_members_group_name_tenant_name_pk" PRIMARY KEY("group_name","tenant_name")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"name" text PRIMARY KEY NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenant_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_name" text NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp (3) with time zone,
	"last_used_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	"created_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"name" text PRIMARY KEY NOT NULL,
	"display_name" text DEFAULT '' NOT NULL,
	"team" text DEFAULT '' NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"mcp_policy" jsonb DEFAULT '{"allow":[],"deny":[]}'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"updated_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_group_name_groups_name_fk" FOREIGN KEY ("group_name") REFERENCES "public"."groups"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "group_members" ADD CONSTRAINT "group_members_tenant_name_tenants_name_fk" FOREIGN KEY ("tenant_name") REFERENCES "public"."tenants"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_tokens" ADD CONSTRAINT "tenant_tokens_tenant_name_tenants_name_fk" FOREIGN KEY ("tenant_name") REFERENCES "public"."tenants"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "grants_subject_idx" ON "grants" USING btree ("subject_type","subject_name");--> statement-breakpoint
CREATE INDEX "grants_created_idx" ON "grants" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "group_members_tenant_idx" ON "group_members" USING btree ("tenant_name");--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_tokens_hash_key" ON "tenant_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "tenant_tokens_name_key" ON "tenant_tokens" USING btree ("tenant_name","name");