/** "4 min ago", "in 2 h", "just now": coarse on purpose, with the exact time in a tooltip. */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  if (s < 45) return "just now";
  const [value, unit] =
    s < 3600 ? [Math.round(s / 60), "min"] : s < 86_400 ? [Math.round(s / 3600), "h"] : [Math.round(s / 86_400), s < 172_800 ? "day" : "days"];
  return future ? `in ${value} ${unit}` : `${value} ${unit} ago`;
}

/** The same text on the server and in every browser: ISO date and time in UTC. */
export function exactTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
