import type { Metadata } from "next";
import { connection } from "next/server";
import { Setup } from "@/components/auth/setup-form";
import { currentSignInOptions } from "@/trpc/session";

export const metadata: Metadata = { title: "First-start setup" };

export default async function SetupPage() {
  await connection();
  const { setupNeeded, oidc } = await currentSignInOptions();
  return <Setup setupNeeded={setupNeeded} oidc={oidc} />;
}
