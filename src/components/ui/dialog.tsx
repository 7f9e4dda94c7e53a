"use client";

import { useEffect, useId, useRef } from "react";
import { Button } from "./button";
import { FormAlert } from "./states";

const SIZES = { md: "max-w-lg", lg: "max-w-2xl", xl: "max-w-4xl" } as const;

/**
 * A modal on the native <dialog>: showModal() makes the rest of the page inert (focus stays
 * inside), Escape closes it, and the browser returns focus to where it was. Focus starts on the
 * first element marked data-autofocus, else on the first focusable one.
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  size = "md",
  focusTitle = false,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description?: React.ReactNode;
  children?: React.ReactNode;
  footer: React.ReactNode;
  size?: "md" | "lg" | "xl";
  /** Start on the title rather than the first control: for dialogs that are mostly to read. */
  focusTitle?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      dialog.querySelector<HTMLElement>(focusTitle ? "h2" : "[data-autofocus]")?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open, focusTitle]);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onClose={onClose}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> itself.
        if (event.target === ref.current) onClose();
      }}
      className={`m-auto max-h-[calc(100dvh-2rem)] w-full ${SIZES[size]} overflow-hidden rounded-xl bg-white p-0 text-slate-900 shadow-xl ring-1 ring-slate-900/10 backdrop:bg-slate-900/40`}
    >
      {open && (
        // The body scrolls and the footer stays in view, however tall the content.
        <div className="flex max-h-[calc(100dvh-2rem)] flex-col">
          <div className="min-h-0 overflow-y-auto px-6 pt-6 pb-1">
            <h2 id={titleId} tabIndex={-1} className="text-base font-semibold focus:outline-none">
              {title}
            </h2>
            {description && (
              <div id={descriptionId} className="mt-2 space-y-2 text-sm text-slate-600">
                {description}
              </div>
            )}
            {children}
          </div>
          <div className="flex shrink-0 justify-end gap-3 px-6 pt-5 pb-6">{footer}</div>
        </div>
      )}
    </dialog>
  );
}

/** A yes/no question about an action, showing the action's error (if any) inside the dialog. */
export function ConfirmDialog({
  open,
  onClose,
  onConfirm,
  title,
  description,
  confirmLabel,
  tone = "primary",
  pending = false,
  disabled = false,
  error,
  children,
}: {
  open: boolean;
  onClose: () => void;
  onConfirm: () => void;
  /** Not confirmable yet (or at all), without being busy: e.g. while its preview loads. */
  disabled?: boolean;
  title: string;
  description: React.ReactNode;
  confirmLabel: string;
  tone?: "primary" | "danger";
  pending?: boolean;
  error?: string | null;
  children?: React.ReactNode;
}) {
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={title}
      description={description}
      footer={
        <>
          {/* Cancel comes first so showModal() focuses it: a stray Enter does nothing harmful. */}
          <Button onClick={onClose}>Cancel</Button>
          <Button variant={tone} onClick={onConfirm} disabled={pending || disabled}>
            {pending ? "Working…" : confirmLabel}
          </Button>
        </>
      }
    >
      {children}
      <FormAlert message={error} className="mt-4" />
    </Dialog>
  );
}

/** A form dialog's footer: Cancel, and the submit button of the form `formId`, busy while `pending`. */
export function FormDialogFooter({
  formId,
  label,
  pendingLabel,
  pending,
  onCancel,
}: {
  formId: string;
  label: string;
  pendingLabel: string;
  pending: boolean;
  onCancel: () => void;
}) {
  return (
    <>
      <Button onClick={onCancel}>Cancel</Button>
      <Button type="submit" form={formId} variant="primary" disabled={pending}>
        {pending ? pendingLabel : label}
      </Button>
    </>
  );
}
