import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { refreshSession } from "../api/client";
import { currentAccessToken, currentUserId, onSignedInChange } from "../api/tokens";
import { loadProfile, type Profile } from "../accounts/api";
import { isLocale, useI18n } from "../i18n";
import { startOutbox, syncNow } from "../offline/outbox";

export type SessionStatus = "starting" | "signed-out" | "signed-in";

interface Session {
  status: SessionStatus;
  profile: Profile | null;
  reloadProfile: () => Promise<void>;
}

const SessionContext = createContext<Session>({ status: "starting", profile: null, reloadProfile: () => Promise.resolve() });

/** Resumes a session from the refresh cookie on start, loads the profile on sign-in and applies its locale. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const { setLocale } = useI18n();
  const [status, setStatus] = useState<SessionStatus>("starting");
  const [profile, setProfile] = useState<Profile | null>(null);

  const reloadProfile = useCallback(async () => {
    const loaded = await loadProfile();
    setProfile(loaded);
    if (isLocale(loaded.locale)) setLocale(loaded.locale);
  }, [setLocale]);

  useEffect(() => {
    const stopOutbox = startOutbox(currentUserId);
    const stopListening = onSignedInChange((signedIn) => {
      if (!signedIn) {
        setProfile(null);
        setStatus("signed-out");
        return;
      }
      setStatus("starting"); // signed in; the profile is on its way (no bounce back to the sign-in page meanwhile)
      void syncNow();
      reloadProfile().then(() => setStatus("signed-in"), () => setStatus("signed-in"));
    });
    if (currentAccessToken() === null) {
      refreshSession().then((ok) => { if (!ok) setStatus("signed-out"); }, () => setStatus("signed-out"));
    }
    return () => { stopListening(); stopOutbox(); };
  }, [reloadProfile]);

  return <SessionContext.Provider value={{ status, profile, reloadProfile }}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  return useContext(SessionContext);
}
