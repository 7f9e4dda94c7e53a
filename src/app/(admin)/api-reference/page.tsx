import type { Metadata } from "next";
import { ApiReference } from "@/components/api-reference/api-reference";
import type { OpenApiDocumentLike } from "@/lib/openapi-view";
import { openApiDocument } from "@/server/rest";
import { requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "API reference" };

export default async function ApiReferencePage() {
  await requireUser();
  const doc = JSON.parse(openApiDocument().body) as OpenApiDocumentLike;
  return <ApiReference doc={doc} />;
}
