"use client";

import { forwardRef, useState } from "react";
import { Button } from "@/components/ui/button";
import type { ControlProps } from "@/components/ui/field";
import { inputClasses } from "@/components/ui/field";
import { cn } from "@/lib/cn";
import { generatePassword } from "@/lib/password";

/**
 * A password an admin sets for someone else: visible on request, with a generator, because the
 * admin has to pass it on.
 */
export const PasswordInput = forwardRef<
  HTMLInputElement,
  ControlProps & {
    name: string;
    onChange: React.ChangeEventHandler<HTMLInputElement>;
    onBlur: React.FocusEventHandler<HTMLInputElement>;
    onGenerate: (password: string) => void;
    autoFocus?: boolean;
  }
>(function PasswordInput({ onGenerate, autoFocus, ...props }, ref) {
  const [visible, setVisible] = useState(false);
  return (
    <div className="flex gap-2">
      <input
        {...props}
        ref={ref}
        type={visible ? "text" : "password"}
        autoComplete="new-password"
        spellCheck={false}
        data-autofocus={autoFocus ? true : undefined}
        className={cn(inputClasses, "font-mono")}
      />
      <Button size="sm" onClick={() => setVisible(!visible)} aria-pressed={visible}>
        {visible ? "Hide" : "Show"}
      </Button>
      <Button
        size="sm"
        onClick={() => {
          onGenerate(generatePassword());
          setVisible(true);
        }}
      >
        Generate
      </Button>
    </div>
  );
});
