/**
 * What one step of the account flow hands to the next, kept in memory only: the email just registered (to prefill
 * sign-in and the code form) and an invitation token from a link, to accept once the person has signed in.
 */
let email = "";
let invitationToken: string | null = null;

export function pendingEmail(): string {
  return email;
}

export function rememberEmail(value: string): void {
  email = value;
}

export function pendingInvitation(): string | null {
  return invitationToken;
}

export function rememberInvitation(token: string | null): void {
  invitationToken = token;
}

/** Where to go after signing in: the invitation waiting for acceptance, else the groups. */
export function afterSignIn(): string {
  return invitationToken ? "/invitations/accept" : "/";
}
