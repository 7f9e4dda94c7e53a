import { cn } from "@/lib/cn";
import { CopyButton } from "./copy-button";
import { inputClasses } from "./field";

/** A token's secret, shown once: read-only, selected on focus, with a button to copy it; `small` for a long one. */
export function SecretField({
  id,
  secret,
  autoFocus = false,
  small = false,
  className,
}: {
  id: string;
  secret: string;
  autoFocus?: boolean;
  small?: boolean;
  className?: string;
}) {
  return (
    <div className={className}>
      <div className="mb-1 flex items-center justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          Token
        </label>
        <CopyButton text={secret} label="Copy token" />
      </div>
      <input
        id={id}
        readOnly
        value={secret}
        data-autofocus={autoFocus || undefined}
        onFocus={(event) => event.currentTarget.select()}
        className={cn(inputClasses, "font-mono", small && "text-xs")}
      />
    </div>
  );
}
