/**
 * A deterministic synthetic policy world for `npm run bench:policy`: servers, tenants, groups and
 * grant rules drawn from a seeded PRNG, so every run (and every machine) compiles the same input.
 * The mix is described in docs/benchmarks.md ("Policy"); change it only together with that text,
 * and know that results before and after the change are no longer comparable.
 *
 * Shape of the world (all proportions are of the sizes given):
 * - 20 teams of unequal size; each owns a contiguous block of servers, so `srv-01*` is "all of
 *   team 1's servers" and `srv-012*` ten of them.
 * - Servers `srv-NNNN-<family>` (40 families such as github, jira, postgres): scopes org 25%,
 *   department 35%, project 30%, personal 10%; active 85%, draft 10%, disabled 5%; 2-20 tools each.
 * - Tenants with labels team, env (prod/staging/dev), tier (gold/silver/bronze) and, for 60%,
 *   region; 5% have their own allow override and 8% their own deny override (1-3 patterns, a
 *   third of them globs).
 * - Groups: 10 per team (team-all, team-oncall, …); every tenant is in 1-3 groups (50/35/15%),
 *   mostly of its own team, the team's "all" group being the most popular.
 * - Rules: subject tenant 60%, group 35% (small groups get more rules than big ones), selector 5%
 *   (mostly team+env or team+tier; a few env-only or tier-only, half of those deny), everyone 0.1%
 *   (org servers); 20% deny; globs for 5% of allow and 10% of deny rules (a team's block, ten
 *   servers, one family across teams, `?` patterns); 10% with an expiry, from 30 days before to
 *   180 days after `now` (about one in seven of those has expired). Rules naming one server name
 *   one of the subject's team's servers two times in three; allow rules only name servers whose
 *   scope the subject may be granted (the API refuses the others). Tool-level rules (DESIGN §11),
 *   picked by rule index so the rest of the world is unchanged: 5% of deny rules name
 *   `SERVER/delete_*`, 4% of allow rules `SERVER/@read-only`, 2% of the others `SERVER/VERB_*`.
 */

export const FULL_SIZES = { tenants: 10_000, servers: 2_000, groups: 200, rules: 20_000 };
export const SEED = 20261124;

/** FULL_SIZES (or `base`) times `scale`: at least one tenant, group and rule and two servers. */
export function scaledSizes(scale, base = FULL_SIZES) {
  const times = (n, min) => Math.max(min, Math.round(n * scale));
  return { tenants: times(base.tenants, 1), servers: times(base.servers, 2), groups: times(base.groups, 1), rules: times(base.rules, 1) };
}
/** The share of rules per subject type. */
export const SUBJECT_MIX = { tenant: 0.6, group: 0.349, selector: 0.05, everyone: 0.001 };
/** The compile benchmark's clock: fixed, so the same rules have expired in every run. */
export const WORLD_NOW = new Date("2026-06-01T00:00:00.000Z");

const TEAMS = [
  "payments",
  "search",
  "platform",
  "data",
  "ml",
  "mobile",
  "web",
  "infra",
  "security",
  "billing",
  "growth",
  "identity",
  "support",
  "sales",
  "finance",
  "legal",
  "research",
  "devex",
  "sre",
  "ads",
];
const FAMILIES = [
  "github",
  "gitlab",
  "jira",
  "confluence",
  "slack",
  "linear",
  "notion",
  "postgres",
  "mysql",
  "redis",
  "s3",
  "gcs",
  "bigquery",
  "snowflake",
  "kafka",
  "grafana",
  "datadog",
  "sentry",
  "pagerduty",
  "k8s",
  "terraform",
  "vault",
  "stripe",
  "salesforce",
  "hubspot",
  "zendesk",
  "figma",
  "docs",
  "drive",
  "calendar",
  "mail",
  "search",
  "browser",
  "fetch",
  "filesystem",
  "shell",
  "python",
  "sql",
  "metrics",
  "tickets",
];
const GROUP_KINDS = ["all", "oncall", "leads", "backend", "frontend", "data", "reviewers", "contractors", "interns", "release"];
const ENVS = [
  ["prod", 0.2],
  ["staging", 0.25],
  ["dev", 0.55],
];
const TIERS = [
  ["gold", 0.15],
  ["silver", 0.35],
  ["bronze", 0.5],
];
const REGIONS = ["eu", "us", "apac"];
const VERBS = ["get", "list", "search", "create", "update", "delete", "run", "describe", "watch", "export"];
const NOUNS = ["item", "issue", "page", "record", "file", "query", "job", "alert", "user", "report", "event", "table"];

/** mulberry32: small, fast, and the same sequence everywhere. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  const chance = (p) => next() < p;
  /** Picks from [value, weight] pairs. */
  const weighted = (pairs) => {
    const total = pairs.reduce((sum, [, w]) => sum + w, 0);
    let r = next() * total;
    for (const [value, w] of pairs) if ((r -= w) < 0) return value;
    return pairs[pairs.length - 1][0];
  };
  return { next, int, pick, chance, weighted };
}

const pad = (n, width) => String(n).padStart(width, "0");
/** Zipf-like weights: the first items are the most popular. */
const zipf = (list, s) => list.map((item, k) => [item, 1 / (k + 1) ** s]);

/**
 * @param {{tenants: number, servers: number, groups: number, rules: number}} sizes
 * @param {{seed?: number, now?: Date, expired?: boolean, subjects?: Record<string, number>}} options
 *   expired: false keeps every expiry in the future (the API refuses past ones); subjects: the
 *   share of rules per subject type, instead of SUBJECT_MIX
 */
/**
 * A personal server belongs to one tenant (its owner), the only one that may be granted it. The
 * owner is the tenant of the first rule granting it by name (else the first tenant of its team);
 * tenant rules granting it to anyone else are made the owner's, and overrides allowing another
 * tenant's personal server are dropped, as the API would refuse them. Draws no random numbers, so
 * the rest of the world is the one generated before owners existed.
 */
function assignPersonalOwners(servers, tenants, rules) {
  const personal = new Map(servers.filter((s) => s.scope === "personal").map((s) => [s.name, s]));
  for (const rule of rules) {
    const server = personal.get(rule.servers);
    if (!server || rule.subject.type !== "tenant" || rule.access !== "allow") continue;
    server.owner ??= rule.subject.name;
    if (rule.subject.name !== server.owner) rule.subject = { type: "tenant", name: server.owner };
  }
  for (const server of personal.values()) server.owner ??= (tenants.find((t) => t.team === server.team) ?? tenants[0])?.name ?? null;
  for (const tenant of tenants) {
    tenant.mcpPolicy.allow = tenant.mcpPolicy.allow.filter((pattern) => {
      const server = personal.get(pattern);
      return !server || server.owner === tenant.name;
    });
  }
}

export function generateWorld(sizes = FULL_SIZES, { seed = SEED, now = WORLD_NOW, expired = true, subjects = SUBJECT_MIX } = {}) {
  const rnd = prng(seed);
  // Team t owns the servers numbered t*100 onwards, so `srv-TT*` is one team's servers.
  const teams = TEAMS.slice(0, Math.min(TEAMS.length, Math.max(4, Math.ceil(sizes.servers / 100))));
  const teamWeights = zipf(teams, 0.7);
  const perTeam = Math.ceil(sizes.servers / teams.length);
  if (perTeam > 100) throw new Error(`at most ${TEAMS.length * 100} servers`);

  const servers = [];
  for (let i = 0; i < sizes.servers; i++) {
    const family = rnd.weighted(zipf(FAMILIES, 0.5));
    const t = Math.floor(i / perTeam);
    const team = teams[t];
    const tools = Array.from({ length: 2 + rnd.int(19) }, (_, k) => `${rnd.pick(VERBS)}_${rnd.pick(NOUNS)}_${k}`);
    servers.push({
      name: `srv-${pad(t * 100 + (i - t * perTeam), 4)}-${family}`,
      family,
      team,
      scope: rnd.weighted([
        ["org", 0.25],
        ["department", 0.35],
        ["project", 0.3],
        ["personal", 0.1],
      ]),
      status: rnd.weighted([
        ["active", 0.85],
        ["draft", 0.1],
        ["disabled", 0.05],
      ]),
      displayName: `${family[0].toUpperCase()}${family.slice(1)} for ${team} #${i}`,
      shortDescription: `${family} tools for the ${team} team: ${tools.length} tools, read and write`,
      tools,
    });
  }
  const serversOfTeam = new Map(teams.map((t) => [t, servers.filter((s) => s.team === t)]));

  // Tenants
  const tenants = [];
  for (let i = 0; i < sizes.tenants; i++) {
    const team = rnd.weighted(teamWeights);
    const labels = { team, env: rnd.weighted(ENVS), tier: rnd.weighted(TIERS) };
    if (rnd.chance(0.6)) labels.region = rnd.pick(REGIONS);
    const overridePatterns = () => Array.from({ length: 1 + rnd.int(3) }, () => (rnd.chance(1 / 3) ? globPattern() : rnd.pick(servers).name));
    tenants.push({
      name: `tenant-${pad(i, 5)}`,
      displayName: `Agent ${i} (${team})`,
      team,
      labels,
      mcpPolicy: { allow: rnd.chance(0.05) ? overridePatterns() : [], deny: rnd.chance(0.08) ? overridePatterns() : [] },
    });
  }

  // Groups: ten kinds per team, as many as asked for.
  const groups = [];
  for (let g = 0; g < sizes.groups; g++) {
    const team = teams[g % teams.length];
    const kind = GROUP_KINDS[Math.floor(g / teams.length) % GROUP_KINDS.length];
    const round = Math.floor(g / (teams.length * GROUP_KINDS.length));
    groups.push({ name: `${team}-${kind}${round ? `-${round + 1}` : ""}`, team, kind, members: [] });
  }
  const groupsOfTeam = new Map(teams.map((t) => [t, groups.filter((g) => g.team === t)]));
  if (groups.length > 0) {
    for (const tenant of tenants) {
      const count = rnd.weighted([
        [1, 0.5],
        [2, 0.35],
        [3, 0.15],
      ]);
      const mine = new Set();
      for (let k = 0; k < count * 3 && mine.size < count; k++) {
        const own = groupsOfTeam.get(tenant.team);
        const pool = own.length > 0 && rnd.chance(0.75) ? own : groups;
        mine.add(rnd.weighted(zipf(pool, 1)));
      }
      for (const group of mine) group.members.push(tenant.name);
    }
  }

  // Rules
  /** A glob over server names; deny rules use narrower ones than allow rules. */
  function globPattern(narrow = false) {
    const block = pad(rnd.int(teams.length), 2);
    return rnd.weighted([
      [() => `srv-${block}*`, narrow ? 0.05 : 0.15], // one team's servers
      [() => `srv-${block}${rnd.int(10)}*`, 0.45], // ten of them
      [() => `*-${rnd.pick(FAMILIES.slice(0, 20))}`, narrow ? 0.2 : 0.25], // one family, across teams
      [() => `srv-${block}?${rnd.int(10)}-*`, narrow ? 0.3 : 0.15], // `?`: every tenth server of a team
    ])();
  }
  const grantable = {
    everyone: ["org"],
    group: ["org", "department", "project"],
    selector: ["org", "department", "project"],
    tenant: ["org", "department", "project", "personal"],
  };
  const groupWeights = groups.map((g) => [g, 1 / (1 + g.members.length)]);
  const rules = [];
  for (let r = 0; r < sizes.rules; r++) {
    const type = rnd.weighted(Object.entries(subjects).filter(([t]) => t !== "group" || groups.length > 0));
    let subject;
    let team = rnd.pick(teams);
    let broad = false;
    switch (type) {
      case "everyone":
        subject = { type };
        break;
      case "tenant": {
        const tenant = rnd.pick(tenants);
        subject = { type, name: tenant.name };
        team = tenant.team;
        break;
      }
      case "group": {
        const group = rnd.weighted(groupWeights);
        subject = { type, name: group.name };
        team = group.team;
        break;
      }
      case "selector": {
        const shape = rnd.weighted([
          ["team-env", 0.55],
          ["team-tier", 0.3],
          ["team", 0.13],
          ["broad", 0.02],
        ]);
        const env = rnd.weighted(ENVS);
        const tier = rnd.weighted(TIERS);
        team = rnd.pick(teams);
        broad = shape === "broad";
        const matchLabels =
          shape === "team-env" ? { team, env } : shape === "team-tier" ? { team, tier } : shape === "team" ? { team } : rnd.chance(0.5) ? { env } : { tier };
        subject = { type, matchLabels };
        break;
      }
    }
    const access = rnd.chance(type === "everyone" ? 0.1 : broad ? 0.5 : 0.2) ? "deny" : "allow";
    let pattern;
    if (type !== "everyone" && rnd.chance(access === "deny" ? 0.1 : 0.05)) pattern = globPattern(access === "deny");
    else {
      const pool = type === "everyone" || rnd.chance(0.35) ? servers : serversOfTeam.get(team);
      const candidates = access === "allow" ? pool.filter((s) => grantable[type].includes(s.scope)) : pool;
      pattern = candidates.length > 0 ? rnd.pick(candidates).name : globPattern();
    }
    let expiresAt = null;
    if (rnd.chance(0.1)) {
      const days = expired ? -30 + rnd.next() * 210 : 1 + rnd.next() * 179;
      expiresAt = new Date(now.getTime() + Math.round(days * 86_400_000));
    }
    // Tool-level rules (DESIGN §11), chosen by index so the PRNG stream (and the rest of the world) is unchanged:
    // about 5% of deny rules deny destructive tools, 4% of allow rules grant only the read-only ones, 2% name a verb.
    if (access === "deny" && r % 20 === 7) pattern = `${pattern}/delete_*`;
    else if (access === "allow" && r % 25 === 3) pattern = `${pattern}/@read-only`;
    else if (r % 50 === 11) pattern = `${pattern}/${VERBS[r % VERBS.length]}_*`;
    rules.push({ id: `rule-${pad(r, 5)}`, subject, servers: pattern, access, expiresAt, note: `synthetic rule ${r}` });
  }

  assignPersonalOwners(servers, tenants, rules);

  return {
    seed,
    now,
    sizes,
    servers: servers.map(({ name, scope, status, displayName, shortDescription, tools, team, family, owner }) => ({
      name,
      scope,
      status,
      displayName,
      shortDescription,
      tools,
      team,
      family,
      owner,
    })),
    tenants,
    groups: groups.map(({ name, members }) => ({ name, members })),
    rules,
  };
}
