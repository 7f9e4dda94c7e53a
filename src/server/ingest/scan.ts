/**
 * The scan stage (DESIGN §7): findings with a severity for one upstream document. Pure. A
 * critical finding quarantines the item until an admin releases or rejects it.
 */
import { distance } from "fastest-levenshtein";
import ipaddr from "ipaddr.js";
import { isPublicAddress } from "../util/ip";
import { isPlainObject } from "../formats/keys";

export type Severity = "critical" | "high" | "medium" | "low";

export interface Finding {
  rule: string;
  severity: Severity;
  field: string;
  message: string;
}

export const SCAN_RULES = {
  "insecure-url": "high",
  "private-endpoint": "critical",
  "unpinned-version": "high",
  "unpinned-image": "medium",
  "mcpb-without-sha": "critical",
  "secret-literal": "critical",
  "shell-metacharacters": "high",
  "prompt-injection": "critical",
  "invisible-unicode": "critical",
  typosquatting: "critical",
  "denylisted-namespace": "critical",
} as const satisfies Record<string, Severity>;

export type ScanRule = keyof typeof SCAN_RULES;

/** What the rules look at, gathered from any of the accepted formats. */
export interface ScanSubject {
  /** The catalog name the item would get. */
  name: string;
  /** Who publishes it: the server.json namespace ("io.github.acme"), or the source for Obot entries. */
  publisher: string;
  texts: { field: string; text: string }[];
  urls: { field: string; url: string }[];
  args: { field: string; value: string }[];
  values: { field: string; value: string }[];
  packages: { field: string; registryType: string; identifier: string; version?: string; fileSha256?: string }[];
  images: { field: string; image: string }[];
}

export interface ScanContext {
  /** Servers already in the catalog, with their publisher. */
  existing: readonly { name: string; publisher: string }[];
  /** Publisher namespaces refused outright (OPENCRANE_DENYLISTED_NAMESPACES); `*` globs allowed. */
  denylist: readonly string[];
}

const finding = (rule: ScanRule, field: string, message: string): Finding => ({ rule, severity: SCAN_RULES[rule], field, message });

const VERSION_RANGE = /^(latest|next|\*|x)$|^[\^~><=]|(^|\.)[x*](\.|$)|\s-\s|\|\|/i;

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
  [/\bgithub_pat_[A-Za-z0-9_]{60,}\b/, "a GitHub fine-grained token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, "a Slack token"],
  [/\bsk-(?:proj-|live_|test_)?[A-Za-z0-9_-]{20,}\b/, "an API secret key (sk-…)"],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
  [/-----BEGIN (?:RSA |EC |OPENSSH |)PRIVATE KEY-----/, "a private key"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "a JWT"],
  [/^Bearer\s+[A-Za-z0-9._~+/=-]{20,}$/i, "a bearer credential"],
  [/:\/\/[^/\s:@]+:[^/\s@]{6,}@/, "a password in a URL"],
];

const INJECTION_PHRASES: RegExp[] = [
  /ignore (?:all |any )?(?:previous|prior|above|earlier) (?:instructions|prompts|messages)/i,
  /disregard (?:all |any )?(?:previous|prior|the above|earlier)/i,
  /forget (?:all |everything )?(?:you|your) (?:instructions|were told)/i,
  /you are now (?:a|an|in) /i,
  /(?:reveal|print|show|leak) (?:your|the) (?:system prompt|instructions|hidden prompt)/i,
  /do not (?:tell|inform|mention (?:this )?to) the user/i,
  /without (?:telling|informing|asking) the user/i,
  /<\/?(?:system|instructions?|important)>/i,
  /(?:send|upload|exfiltrate|post) (?:the |all )?(?:contents?|data|secrets|credentials|tokens|environment variables) (?:to|into) /i,
];

// Zero-width characters, bidirectional overrides and isolates, the BOM, and Unicode tag characters.
const INVISIBLE = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\u{E0000}-\u{E007F}]/u;

const SHELL_META = /[;&|`<>]|\$\(|\$\{[^}]*[^A-Za-z0-9_}][^}]*\}|\r|\n/;

function hostOf(url: string): string | null {
  try {
    return new URL(url.replace(/\$\{[^}]+\}|\{[^}]+\}/g, "x")).hostname.replace(/^\[|\]$/g, "");
  } catch {
    return null;
  }
}

/** A host that names this machine or a private, loopback or link-local network. */
export function isPrivateHost(host: string): boolean {
  const lower = host.toLowerCase();
  if (
    lower === "localhost" ||
    lower.endsWith(".localhost") ||
    lower.endsWith(".local") ||
    lower.endsWith(".internal") ||
    lower.endsWith(".svc") ||
    lower.endsWith(".cluster.local")
  ) {
    return true;
  }
  if (!ipaddr.isValid(lower)) return false;
  return !isPublicAddress(lower);
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
}

export function scanSubject(subject: ScanSubject, context: ScanContext): Finding[] {
  const findings: Finding[] = [];

  for (const { field, url } of subject.urls) {
    if (/^http:\/\//i.test(url))
      findings.push(finding("insecure-url", field, `${url} is not https: traffic to it, credentials included, is readable on the way`));
    const host = hostOf(url);
    if (host && isPrivateHost(host)) {
      findings.push(
        finding(
          "private-endpoint",
          field,
          `${url} points at ${host}, a private, loopback or link-local address: a catalog entry must not reach into the cluster's or a user's own network`,
        ),
      );
    }
  }

  for (const pkg of subject.packages) {
    if (pkg.registryType === "mcpb" && !pkg.fileSha256) {
      findings.push(finding("mcpb-without-sha", pkg.field, `mcpb package ${pkg.identifier} has no fileSha256, so the download cannot be verified`));
    }
    if (pkg.registryType !== "mcpb" && (!pkg.version || VERSION_RANGE.test(pkg.version))) {
      findings.push(
        finding(
          "unpinned-version",
          pkg.field,
          `${pkg.identifier} is not pinned (${pkg.version ? `'${pkg.version}'` : "no version"}): what runs could change without review`,
        ),
      );
    }
  }

  for (const { field, image } of subject.images) {
    const digest = image.includes("@sha256:");
    const tag = /:([^/:@]+)$/.exec(image)?.[1];
    if (!digest && (!tag || tag === "latest")) {
      findings.push(finding("unpinned-image", field, `image ${image} is not pinned to a version tag or digest`));
    }
  }

  for (const { field, value } of [...subject.values, ...subject.args, ...subject.urls.map((u) => ({ field: u.field, value: u.url }))]) {
    const hit = SECRET_PATTERNS.find(([pattern]) => pattern.test(value));
    if (hit) findings.push(finding("secret-literal", field, `looks like ${hit[1]}: secrets never belong in a catalog entry`));
  }

  for (const { field, value } of subject.args) {
    if (SHELL_META.test(value)) {
      findings.push(finding("shell-metacharacters", field, `argument ${JSON.stringify(value)} contains shell metacharacters; arguments must be plain values`));
    }
  }

  for (const { field, text } of subject.texts) {
    const phrase = INJECTION_PHRASES.find((p) => p.test(text));
    if (phrase) findings.push(finding("prompt-injection", field, `contains an instruction aimed at the model ("${phrase.exec(text)![0]}")`));
    const invisible = INVISIBLE.exec(text);
    if (invisible) {
      const code = invisible[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0");
      findings.push(finding("invisible-unicode", field, `contains an invisible or text-direction character (U+${code}) that can hide text from reviewers`));
    }
  }
  if (INVISIBLE.test(subject.name)) findings.push(finding("invisible-unicode", "name", "the name contains an invisible or text-direction character"));

  const lookalike = context.existing.find(
    (other) => other.publisher !== subject.publisher && other.name !== subject.name && distance(other.name, subject.name) <= 2,
  );
  if (lookalike) {
    findings.push(
      finding(
        "typosquatting",
        "name",
        `'${subject.name}' is within two edits of '${lookalike.name}' from another publisher (${lookalike.publisher}): it may impersonate it`,
      ),
    );
  }

  const denied = context.denylist.find((glob) => globToRegExp(glob).test(subject.publisher));
  if (denied) findings.push(finding("denylisted-namespace", "name", `publisher ${subject.publisher} is on the denylist (${denied})`));

  return findings;
}

export const isQuarantined = (findings: readonly Finding[]) => findings.some((f) => f.severity === "critical");

// ---------------------------------------------------------------------------------------------
// Gathering what to scan from a document of any accepted format.

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function fromServerJson(doc: Record<string, unknown>, subject: ScanSubject) {
  const text = (field: string, v: unknown) => str(v) && subject.texts.push({ field, text: str(v)! });
  text("description", doc.description);
  text("title", doc.title);
  list(doc.remotes).forEach((r, i) => {
    if (!isPlainObject(r)) return;
    const url = str(r.url);
    if (url) subject.urls.push({ field: `remotes[${i}].url`, url });
    list(r.headers).forEach(
      (h, j) => isPlainObject(h) && str(h.value) && subject.values.push({ field: `remotes[${i}].headers[${j}].value`, value: str(h.value)! }),
    );
  });
  list(doc.packages).forEach((p, i) => {
    if (!isPlainObject(p)) return;
    const registryType = str(p.registryType) ?? str(p.registry_name) ?? "unknown";
    const identifier = str(p.identifier) ?? str(p.name) ?? "";
    subject.packages.push({ field: `packages[${i}]`, registryType, identifier, version: str(p.version) || undefined, fileSha256: str(p.fileSha256) });
    if (registryType === "oci" || registryType === "docker")
      subject.images.push({
        field: `packages[${i}].identifier`,
        image: str(p.version) && !identifier.includes(":") ? `${identifier}:${p.version}` : identifier,
      });
    const args = [...list(p.packageArguments), ...list(p.package_arguments), ...list(p.runtimeArguments), ...list(p.runtime_arguments)];
    args.forEach((a, j) => {
      if (!isPlainObject(a)) return;
      for (const key of ["value", "default"]) {
        const value = str(a[key]);
        if (value) subject.args.push({ field: `packages[${i}].arguments[${j}].${key}`, value });
      }
    });
    [...list(p.environmentVariables), ...list(p.environment_variables)].forEach((e, j) => {
      if (isPlainObject(e) && str(e.value)) subject.values.push({ field: `packages[${i}].environmentVariables[${j}].value`, value: str(e.value)! });
    });
  });
}

function fromObotEntry(doc: Record<string, unknown>, subject: ScanSubject) {
  const text = (field: string, v: unknown) => str(v) && subject.texts.push({ field, text: str(v)! });
  text("name", doc.name);
  text("shortDescription", doc.shortDescription);
  text("description", doc.description);
  list(doc.toolPreview).forEach((t, i) => isPlainObject(t) && text(`toolPreview[${i}].description`, t.description));
  list(doc.env).forEach((e, i) => isPlainObject(e) && str(e.value) && subject.values.push({ field: `env[${i}].value`, value: str(e.value)! }));
  const remote = isPlainObject(doc.remoteConfig) ? doc.remoteConfig : null;
  if (remote) {
    for (const key of ["fixedURL", "urlTemplate", "URLTemplate"]) {
      const url = str(remote[key]);
      if (url) subject.urls.push({ field: `remoteConfig.${key}`, url });
    }
    list(remote.headers).forEach(
      (h, j) => isPlainObject(h) && str(h.value) && subject.values.push({ field: `remoteConfig.headers[${j}].value`, value: str(h.value)! }),
    );
  }
  for (const key of ["npxConfig", "uvxConfig", "containerizedConfig"] as const) {
    const config = isPlainObject(doc[key]) ? doc[key] : null;
    if (!config) continue;
    list(config.args).forEach((a, i) => str(a) && subject.args.push({ field: `${key}.args[${i}]`, value: str(a)! }));
    if (key === "containerizedConfig" && str(config.image)) subject.images.push({ field: `${key}.image`, image: str(config.image)! });
    if (key !== "containerizedConfig" && str(config.package)) {
      const spec = str(config.package)!;
      const version = key === "npxConfig" ? (spec.lastIndexOf("@") > 0 ? spec.slice(spec.lastIndexOf("@") + 1) : undefined) : /(?:==|@)(.+)$/.exec(spec)?.[1];
      subject.packages.push({ field: `${key}.package`, registryType: key === "npxConfig" ? "npm" : "pypi", identifier: spec, version });
    }
  }
}

/** Builds the scan subject of a document; `format` tells which extractor reads it. */
export function subjectOf(doc: unknown, format: "obot-entry" | "server.json", name: string, publisher: string): ScanSubject {
  const subject: ScanSubject = { name, publisher, texts: [], urls: [], args: [], values: [], packages: [], images: [] };
  if (!isPlainObject(doc)) return subject;
  if (format === "obot-entry") fromObotEntry(doc, subject);
  else fromServerJson(doc, subject);
  return subject;
}
