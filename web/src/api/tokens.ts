/**
 * The access token lives in this module's memory only (never localStorage, sessionStorage or IndexedDB): a page
 * script cannot read a long-lived token. The refresh token is an HttpOnly cookie the API sets on /api/auth.
 */
let accessToken: string | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

export function currentAccessToken(): string | null {
  return accessToken;
}

/** The signed-in user's id: the access token's `sub` claim (read, never verified here: the API verifies). */
export function currentUserId(): string | null {
  const payload = accessToken?.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: unknown };
    return typeof claims.sub === "string" ? claims.sub : null;
  } catch {
    return null;
  }
}

export function setAccessToken(token: string | null): void {
  const changed = (token === null) !== (accessToken === null);
  accessToken = token;
  if (changed) for (const listener of listeners) listener(token !== null);
}

export function onSignedInChange(listener: (signedIn: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
