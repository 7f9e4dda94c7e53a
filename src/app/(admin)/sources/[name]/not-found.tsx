import { LinkButton } from "@/components/ui/button";
import { NotFoundCard } from "@/components/ui/states";

export default function SourceNotFound() {
  return (
    <NotFoundCard
      title="No such source or run"
      actions={
        <LinkButton href="/sources" variant="primary">
          Back to the sources
        </LinkButton>
      }
    >
      It may have been deleted, or the link has a typo: source names are lowercase letters, digits and dashes.
    </NotFoundCard>
  );
}
