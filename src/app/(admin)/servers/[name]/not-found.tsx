import { LinkButton } from "@/components/ui/button";
import { NotFoundCard } from "@/components/ui/states";

export default function ServerNotFound() {
  return (
    <NotFoundCard
      title="No such server"
      actions={
        <>
          <LinkButton href="/servers" variant="primary">
            Back to the catalog
          </LinkButton>
          <LinkButton href="/servers/new">Create server</LinkButton>
        </>
      }
    >
      The catalog has no server by that name. It may have been deleted, or the link has a typo: server names are lowercase letters, digits and dashes.
    </NotFoundCard>
  );
}
