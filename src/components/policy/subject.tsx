import Link from "next/link";
import type { Subject } from "@/server/policy/model";
import { describeSubject } from "@/server/policy/model";
import { groupHref, tenantHref } from "./tag-list";

const LINK = "font-mono text-indigo-700 hover:underline";

/** A rule's subject as describeSubject words it, with a group or tenant name linking to its page. */
export function SubjectText({ subject }: { subject: Subject }) {
  if (subject.type === "group") {
    return (
      <>
        group{" "}
        <Link href={groupHref(subject.name)} className={LINK}>
          {subject.name}
        </Link>
      </>
    );
  }
  if (subject.type === "tenant") {
    return (
      <>
        tenant{" "}
        <Link href={tenantHref(subject.name)} className={LINK}>
          {subject.name}
        </Link>
      </>
    );
  }
  const labels = subject.type === "selector" ? Object.entries(subject.matchLabels) : [];
  if (labels.length === 1) {
    // One label: searching the tenants for it lists those the rule selects (the search matches substrings, so a longer value may show too).
    const label = `${labels[0]![0]}=${labels[0]![1]}`;
    return (
      <>
        tenants with{" "}
        <Link href={`/tenants?q=${encodeURIComponent(label)}`} className={LINK}>
          {label}
        </Link>
      </>
    );
  }
  return <>{describeSubject(subject)}</>;
}

/** A rule's server name or glob; a plain name links to the server's page. */
export function ServerPattern({ pattern }: { pattern: string }) {
  if (/[*?]/.test(pattern)) return <code className="font-mono">{pattern}</code>;
  return (
    <Link href={`/servers/${pattern}`} className={LINK}>
      {pattern}
    </Link>
  );
}
