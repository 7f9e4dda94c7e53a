import { Button } from "@/components/ui/button";
import { tableClasses, type Column } from "@/components/ui/states";

/** The header cell above a table's row actions: named for screen readers, blank on screen. */
export const ACTIONS_COLUMN: Column = { label: "Actions", srOnly: true };

/** Edit and Delete at the end of a row; `label` names the row for screen readers ("Edit payments-bot"). */
export function RowActions({ label, onEdit, onDelete }: { label: string; onEdit: () => void; onDelete: () => void }) {
  return (
    <td className={tableClasses.td}>
      <div className="flex justify-end gap-1.5">
        <Button size="sm" onClick={onEdit} aria-label={`Edit ${label}`}>
          Edit
        </Button>
        <Button size="sm" variant="quiet-danger" onClick={onDelete} aria-label={`Delete ${label}`}>
          Delete
        </Button>
      </div>
    </td>
  );
}
