/**
 * The signed-in session: the API client, who the user is, and the workspace/project the
 * console acts in (remembered in localStorage, re-checked against `/auth/me`).
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Api } from "../api/endpoints";
import { ApiError } from "../api/errors";
import type { Me } from "../api/types";
import { canEdit, resolveScope, type ChosenScope } from "./scope";

const STORAGE_KEY = "agentruntime.scope";

function rememberedScope(): ChosenScope {
  try {
    const v = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null") as Partial<ChosenScope> | null;
    return { tenant: v?.tenant ?? null, project: v?.project ?? null };
  } catch {
    return { tenant: null, project: null };
  }
}

export interface Session {
  api: Api;
  /** `undefined` while loading, `null` when signed out. */
  me: Me | null | undefined;
  scope: ChosenScope;
  /** Contributor or admin in the current project. */
  canEdit: boolean;
  /** An error loading the session other than "not signed in". */
  loadError: string | null;
  setScope: (scope: ChosenScope) => void;
  refresh: () => Promise<Me | null>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [scope, setScopeState] = useState<ChosenScope>(rememberedScope);
  const [loadError, setLoadError] = useState<string | null>(null);
  // The client reads the scope at request time, so it is created once.
  const scopeRef = useRef(scope);
  scopeRef.current = scope;
  const api = useMemo(() => new Api({ getScope: () => scopeRef.current }), []);

  const setScope = useCallback((next: ChosenScope) => {
    scopeRef.current = next;
    setScopeState(next);
    localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  }, []);

  const refresh = useCallback(async (): Promise<Me | null> => {
    try {
      const m = await api.me();
      setMe(m);
      setLoadError(null);
      setScope(resolveScope(m, scopeRef.current));
      return m;
    } catch (e) {
      if (e instanceof ApiError && e.kind === "unauthenticated") {
        setMe(null);
        return null;
      }
      setMe(null);
      setLoadError(e instanceof Error ? e.message : String(e));
      return null;
    }
  }, [api, setScope]);

  const signOut = useCallback(async () => {
    try {
      await api.logout();
    } finally {
      setMe(null);
    }
  }, [api]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const value = useMemo<Session>(
    () => ({ api, me, scope, canEdit: canEdit(me ?? null, scope), loadError, setScope, refresh, signOut }),
    [api, me, scope, loadError, setScope, refresh, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The current session; only inside {@link SessionProvider}. */
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession must be used inside <SessionProvider>");
  return s;
}
