"use client";

import { createContext, useContext, useEffect } from "react";
import { atLeast, type Role } from "@/server/auth/roles";

export interface SessionUser {
  email: string;
  displayName: string;
  role: Role;
  kind: string;
}

const SessionContext = createContext<SessionUser | null>(null);

/** The signed-in user, resolved once by the admin layout on the server. */
export function SessionProvider({ user, children }: { user: SessionUser; children: React.ReactNode }) {
  useEffect(() => {
    // A page restored from the back/forward cache after sign-out must not show data: ask the server again.
    const onPageShow = (event: PageTransitionEvent) => {
      if (event.persisted) window.location.reload();
    };
    window.addEventListener("pageshow", onPageShow);
    return () => window.removeEventListener("pageshow", onPageShow);
  }, []);
  return <SessionContext.Provider value={user}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error("useSession() is used outside the admin layout's SessionProvider");
  return user;
}

/** Whether the signed-in user's role is at least `role`: the UI offers only what the server allows. */
export function useCan(role: Role): boolean {
  return atLeast(useSession().role, role);
}
