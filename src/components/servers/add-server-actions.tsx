import { LinkButton } from "@/components/ui/button";

/** The ways an editor adds servers to the catalog: import them, or create one by hand. */
export function AddServerActions() {
  return (
    <>
      <LinkButton href="/import">Import</LinkButton>
      <LinkButton href="/servers/new" variant="primary">
        Create server
      </LinkButton>
    </>
  );
}
