/**
 * The access token lives in this module's memory only (never localStorage, sessionStorage or IndexedDB): a page
 * script cannot read a long-lived token. The refresh token is an HttpOnly cookie the API sets on /api/auth.
 */
let accessToken: string | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

export function currentAccessToken(): string | null {
  return accessToken;
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
