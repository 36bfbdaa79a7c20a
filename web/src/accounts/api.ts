import { call, type BodyOf, type ResponseOf, type Schemas } from "../api/client";
import { setAccessToken } from "../api/tokens";

export type Profile = ResponseOf<"get", "/me">;
export type MfaChallenge = Schemas["MfaChallenge"];
export type MfaMethod = Schemas["MfaVerifyRequest"]["method"];

interface AccessAnswer {
  access_token: string;
}

function isChallenge(answer: unknown): answer is MfaChallenge {
  return typeof answer === "object" && answer !== null && "mfa_token" in answer;
}

/** Keeps the access token (memory only); a refresh token in the body (an API without cookie transport) is dropped. */
function keep(answer: AccessAnswer): void {
  setAccessToken(answer.access_token);
}

export async function signIn(email: string, password: string): Promise<MfaChallenge | null> {
  const answer: unknown = await call("post", "/auth/login", { body: { email, password } });
  if (isChallenge(answer)) return answer;
  keep(answer as AccessAnswer);
  return null;
}

export async function verifySecondFactor(mfaToken: string, method: MfaMethod, code: string): Promise<void> {
  keep(await call("post", "/auth/mfa/verify", { body: { mfa_token: mfaToken, method, code } }));
}

export async function sendSecondFactorCode(mfaToken: string, method: "sms" | "email"): Promise<void> {
  await call("post", "/auth/mfa/send", { body: { mfa_token: mfaToken, method } });
}

export async function signUp(body: BodyOf<"post", "/auth/register">): Promise<void> {
  await call("post", "/auth/register", { body });
}

export async function verifyEmail(body: BodyOf<"post", "/auth/verify-email">): Promise<void> {
  await call("post", "/auth/verify-email", { body });
}

export async function resendVerification(email: string): Promise<void> {
  await call("post", "/auth/verify-email/resend", { body: { email } });
}

export async function forgotPassword(email: string): Promise<void> {
  await call("post", "/auth/password/forgot", { body: { email } });
}

export async function resetPassword(body: BodyOf<"post", "/auth/password/reset">): Promise<void> {
  await call("post", "/auth/password/reset", { body });
}

export async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
  keep(await call("post", "/auth/password/change", { body: { current_password: currentPassword, new_password: newPassword } }));
}

export async function signOut(everywhere: boolean): Promise<void> {
  try {
    await call("post", everywhere ? "/auth/logout-all" : "/auth/logout");
  } finally {
    setAccessToken(null);
  }
}

export function loadProfile(): Promise<Profile> {
  return call("get", "/me");
}

export function updateProfile(body: BodyOf<"patch", "/me">): Promise<Profile> {
  return call("patch", "/me", { body });
}

export async function verifyPhone(code: string): Promise<void> {
  await call("post", "/me/phone/verify", { body: { code } });
}

export function startTotp(password: string): Promise<ResponseOf<"post", "/auth/totp/setup">> {
  return call("post", "/auth/totp/setup", { body: { password } });
}

export async function confirmTotp(code: string): Promise<string[]> {
  const answer = await call("post", "/auth/totp/confirm", { body: { code } });
  keep(answer);
  return answer.recovery_codes;
}

export async function setMfaMethod(body: BodyOf<"post", "/auth/mfa/methods">): Promise<void> {
  await call("post", "/auth/mfa/methods", { body });
}
