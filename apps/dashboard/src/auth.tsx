import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, ApiError } from './api/client.js';
import { setServerTime } from './api/server-clock.js';
import type { SessionResponse, SessionView } from './api/session.js';
import { useI18n } from './i18n/index.js';

interface Auth {
  /** null: signed out; undefined: still asking the host. */
  session: SessionView | null | undefined;
  signIn(input: { email: string; password: string; accountId?: string } | { apiKey: string }): Promise<void>;
  signOut(): Promise<void>;
  refresh(): Promise<void>;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const { setLocale } = useI18n();

  const accept = useCallback(
    (response: SessionResponse, fromSignIn: boolean) => {
      api.setCsrfToken(response.csrfToken);
      setServerTime(response.serverTime);
      // The account's language is the default; a choice made in this browser wins.
      if (fromSignIn && response.session.account && !globalThis.localStorage?.getItem('tollgate.locale')) setLocale(response.session.account.locale);
      setSession(response.session);
    },
    [setLocale],
  );

  const refresh = useCallback(async () => {
    try {
      accept(await api.get<SessionResponse>('/auth/session'), false);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        api.setCsrfToken(null);
        setSession(null);
        return;
      }
      throw error;
    }
  }, [accept]);

  useEffect(() => {
    api.onUnauthorized(() => {
      api.setCsrfToken(null);
      setSession(null);
    });
    refresh().catch(() => setSession(null));
    return () => api.onUnauthorized(null);
  }, [refresh]);

  const value = useMemo<Auth>(
    () => ({
      session,
      refresh,
      async signIn(input) {
        accept(await api.post<SessionResponse>('/auth/sessions', input), true);
      },
      async signOut() {
        try {
          await api.delete('/auth/session');
        } finally {
          api.setCsrfToken(null);
          setSession(null);
        }
      },
    }),
    [session, refresh, accept],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** The signed-in session; only for screens rendered behind the sign-in gate. */
export function useSession(): SessionView {
  const { session } = useAuth();
  if (!session) throw new Error('useSession without a session');
  return session;
}
