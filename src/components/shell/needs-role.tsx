import type { Role } from "@/server/auth/roles";
import { LinkButton } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/panel";
import { RoleBadge } from "@/components/ui/role-badge";

/** In place of a page the signed-in user's role does not allow: what it needs and who can help. */
export function NeedsRole({
  title,
  role,
  user,
  action,
  back = { href: "/servers", label: "Back to the catalog" },
}: {
  title: string;
  role: Role;
  user: { email: string; role: Role };
  /** "Importing servers", "Managing users": what the page is for. */
  action: string;
  back?: { href: string; label: string };
}) {
  return (
    <>
      <PageHeader title={title} />
      <div role="note" className="rounded-lg bg-white px-6 py-10 text-center shadow-xs ring-1 ring-slate-200">
        <p className="text-base font-semibold text-slate-900">
          {action} needs the {role} role
        </p>
        <p className="mx-auto mt-2 max-w-lg text-sm text-slate-600">
          You are signed in as <span className="font-medium text-slate-800">{user.email}</span> with the <RoleBadge role={user.role} /> role. Ask an
          administrator to give you the {role} role if you need it.
        </p>
        <LinkButton href={back.href} className="mt-6">
          {back.label}
        </LinkButton>
      </div>
    </>
  );
}
