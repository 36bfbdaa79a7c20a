import { call, type BodyOf } from "../api/client";

/**
 * Notification preferences as the API offers them today: part of the profile (PATCH /me). When the API grows
 * per-event and per-channel preferences, this module is where their calls go; the screen reads only this shape.
 */
export type Preferences = NonNullable<BodyOf<"patch", "/me">["notification_preferences"]>;
export type Channel = "email" | "sms";
export const CHANNELS: readonly Channel[] = ["email", "sms"];

export async function loadPreferences(): Promise<Required<Preferences>> {
  const profile = await call("get", "/me");
  return profile.notification_preferences as Required<Preferences>;
}

export async function savePreferences(preferences: Preferences): Promise<void> {
  await call("patch", "/me", { body: { notification_preferences: preferences } });
}
