import Link from "next/link";
import { AccountMenu } from "@/components/shell/account-menu";
import { CommandPalette, PaletteButton } from "@/components/shell/command-palette";
import { ShellNav } from "@/components/shell/nav";
import { Logo } from "@/components/shell/logo";
import { SessionProvider } from "@/components/shell/session";
import { ToastProvider } from "@/components/ui/toast";
import { TRPCReactProvider } from "@/trpc/react";
import { requireUser } from "@/trpc/session";

export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const user = await requireUser();
  return (
    <TRPCReactProvider>
      <SessionProvider user={user}>
        <ToastProvider>
          <a
            href="#main"
            className="sr-only focus:not-sr-only focus:fixed focus:left-4 focus:top-4 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:shadow"
          >
            Skip to content
          </a>
          <div className="min-h-screen md:flex">
            <aside className="relative bg-slate-900 md:w-56 md:shrink-0">
              <div className="flex items-center justify-between gap-2 px-3 py-3 md:sticky md:top-0 md:flex md:h-screen md:flex-col md:items-stretch md:justify-start md:px-3 md:py-5">
                <div>
                  <Link href="/" className="flex items-center gap-2 rounded-md px-2 text-white focus-visible:outline-2 focus-visible:outline-sky-400">
                    <Logo tone="dark" />
                  </Link>
                  <p className="hidden px-2 pt-1 text-xs text-slate-400 md:block">MCP control plane</p>
                </div>
                <div className="ml-auto flex items-center gap-1 md:ml-0 md:mt-4 md:block">
                  <PaletteButton />
                  <ShellNav />
                </div>
                <div className="shrink-0 md:mt-auto md:border-t md:border-slate-800 md:pt-3">
                  <AccountMenu />
                </div>
              </div>
            </aside>
            <CommandPalette />
            <main id="main" className="min-w-0 flex-1">
              <div className="mx-auto max-w-7xl px-4 py-6 sm:px-6 lg:px-8 lg:py-8">{children}</div>
            </main>
          </div>
        </ToastProvider>
      </SessionProvider>
    </TRPCReactProvider>
  );
}
