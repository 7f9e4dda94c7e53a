import type { Metadata } from "next";
import { connection } from "next/server";
import { NeedsRole } from "@/components/shell/needs-role";
import { UsersPage } from "@/components/users/users-page";
import { atLeast } from "@/server/auth/roles";
import { USERS_LIST, usersQueryOf } from "@/lib/list-specs";
import { listViewFrom } from "@/lib/list-url";
import { getQueryClient, HydrateClient, trpc } from "@/trpc/server";
import { currentSignInOptions, requireUser } from "@/trpc/session";

export const metadata: Metadata = { title: "Users" };

export default async function UsersRoute({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const user = await requireUser();
  if (!atLeast(user.role, "admin")) {
    return <NeedsRole title="Users" role="admin" user={user} action="Managing users" back={{ href: "/", label: "Go to the dashboard" }} />;
  }
  const [options] = await Promise.all([
    currentSignInOptions(),
    getQueryClient().prefetchQuery(trpc.users.page.queryOptions(usersQueryOf(listViewFrom(USERS_LIST, await searchParams)))),
  ]);
  return (
    <HydrateClient>
      <UsersPage localAccounts={options.local} />
    </HydrateClient>
  );
}
