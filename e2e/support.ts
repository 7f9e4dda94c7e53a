import fs from "node:fs";
import { test as base, expect, type APIRequestContext, type BrowserContext, type Page } from "@playwright/test";
import { E2E_BOOTSTRAP_TOKEN, E2E_SERVER_LOG } from "./env";

/**
 * The suite's test: `api` is a REST client authenticated with the bootstrap token (as automation
 * is), for seeding; `request` stays as it was configured (the admin's cookie, no bearer), and
 * pages use the signed-in admin's session from the first-start project.
 */
/**
 * page.goto() that returns once React has hydrated the page (<html data-hydrated>): text typed
 * into a server-rendered field before that is overwritten as its form hydrates.
 */
function waitForHydrationOnGoto(page: Page): Page {
  const goto = page.goto.bind(page);
  page.goto = async (url, options) => {
    const response = await goto(url, options);
    await hydrated(page);
    return response;
  };
  return page;
}

/** After a navigation the test did not start with goto (a sign-in, a link): wait until the page is interactive. */
export async function hydrated(page: Page): Promise<void> {
  await page.locator("html[data-hydrated]").waitFor({ state: "attached" });
}

export const test = base.extend<{ api: APIRequestContext; newVisitor: () => Promise<Page> }>({
  page: async ({ page }, use) => {
    await use(waitForHydrationOnGoto(page));
  },
  api: async ({ playwright, baseURL }, use) => {
    const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { Authorization: `Bearer ${E2E_BOOTSTRAP_TOKEN}` } });
    await use(api);
    await api.dispose();
  },
  /** Another person at another browser: a page in a fresh context, signed in as nobody. */
  newVisitor: async ({ browser, baseURL }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async () => {
      // The runner would hand a new context the project's storageState (the admin's session).
      const context = await browser.newContext({ baseURL, storageState: { cookies: [], origins: [] } });
      contexts.push(context);
      return waitForHydrationOnGoto(await context.newPage());
    });
    for (const context of contexts) await context.close();
  },
});
export { expect };

export const ADMIN = { email: "admin@e2e.example", displayName: "E2E Admin", password: "first-admin-password-1" };

/** The setup link the server printed at first start (once), from its log. */
export async function printedSetupLink(timeoutMs = 20_000): Promise<URL> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = fs.existsSync(E2E_SERVER_LOG) ? fs.readFileSync(E2E_SERVER_LOG, "utf8") : "";
    const match = /open (\S+\/setup#token=\S+) to create the first admin/.exec(log);
    if (match) return new URL(match[1]!);
    if (Date.now() > deadline) throw new Error(`no setup link in ${E2E_SERVER_LOG} after ${timeoutMs} ms:\n${log.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Signs in on the login page the browser is on (or opens it), as a person would. */
export async function signIn(page: Page, email: string, password: string) {
  if (!/\/login/.test(page.url())) await page.goto("/login");
  await page.getByRole("textbox", { name: "E-mail" }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** A server name no other test (or earlier run) uses: DNS-1123, lowercase. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export interface SeedServer {
  name: string;
  displayName: string;
  version: number;
  status: string;
}

/** Creates a server through the REST API, as the CLI would. */
export async function seedServer(request: APIRequestContext, body: Record<string, unknown>): Promise<SeedServer> {
  const response = await request.post("/api/v1/mcp-servers", { data: body });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

export async function publishServer(request: APIRequestContext, name: string): Promise<SeedServer> {
  const response = await request.post(`/api/v1/mcp-servers/${name}/publish`, { data: {} });
  expect(response.status(), await response.text()).toBe(200);
  return response.json();
}

export function remoteServer(name: string, displayName: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    displayName,
    runtime: { type: "remote", fixedURL: `https://${name}.example.com/mcp`, headers: [] },
    ...extra,
  };
}

export interface ObotEntry {
  name: string;
  entryKey: string;
  runtime: string;
  remoteConfig?: { fixedURL?: string };
  [key: string]: unknown;
}
