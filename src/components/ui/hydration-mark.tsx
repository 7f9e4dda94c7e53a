"use client";

import { useEffect } from "react";

/**
 * Marks the document `<html data-hydrated>` once React has hydrated it. Until then a form's
 * fields still show the server's HTML, and what is typed there is overwritten as the form
 * hydrates: the end-to-end tests wait for this mark before they type.
 */
export function HydrationMark() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return null;
}
