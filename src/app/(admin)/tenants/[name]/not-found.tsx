import { LinkButton } from "@/components/ui/button";
import { NotFoundCard } from "@/components/ui/states";

export default function TenantNotFound() {
  return (
    <NotFoundCard
      title="No such tenant"
      actions={
        <LinkButton href="/tenants" variant="primary">
          Back to the tenants
        </LinkButton>
      }
    >
      No tenant has that name. It may have been deleted, or the link has a typo: tenant names are lowercase letters, digits and dashes.
    </NotFoundCard>
  );
}
