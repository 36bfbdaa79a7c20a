import { useState } from "react";
import { navigate } from "../app/router";
import { useSession } from "../app/session";
import { LOCALE_NAMES, useI18n, type Locale } from "../i18n";
import { NotificationPreferences } from "../notifications/NotificationPreferences";
import { DangerZone } from "../ui/DangerZone";
import { Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { Page } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { signOut, updateProfile, verifyPhone, type Profile } from "./api";
import { ChangePassword } from "./Password";
import { SecondFactors } from "./SecondFactors";
import { TimeZoneField } from "./TimeZoneField";

export function Account() {
  const { t } = useI18n();
  const { profile } = useSession();
  const everywhere = useAction(async () => { await signOut(true); navigate("/sign-in", { replace: true }); });
  if (!profile) return <p role="status">{t("status.loading")}</p>;
  return (
    <Page title={t("account.title")}>
      <ProfileForm profile={profile} />
      <NotificationPreferences />
      <SecondFactors />
      <ChangePassword />
      <DangerZone id="sessions" title={t("account.sessions")} intro={t("account.sessionsIntro")} error={everywhere.error}
        button={t("account.signOutEverywhere")} onConfirmed={() => void everywhere.run()} />
    </Page>
  );
}

function ProfileForm({ profile }: { profile: Profile }) {
  const { t, setLocale } = useI18n();
  const { reloadProfile } = useSession();
  const [form, setForm] = useState({ name: profile.name, phone: profile.phone ?? "", locale: profile.locale, timezone: profile.timezone });
  const [code, setCode] = useState("");
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });
  const save = useAction(async () => {
    await updateProfile({ name: form.name, phone: form.phone.trim() || null, locale: form.locale, timezone: form.timezone });
    await reloadProfile();
    if (form.locale in LOCALE_NAMES) setLocale(form.locale as Locale);
  });
  const confirmPhone = useAction(async () => { await verifyPhone(code.trim()); await reloadProfile(); });
  return (
    <section aria-labelledby="profile">
      <h2 id="profile">{t("account.profile")}</h2>
      <p>{t("field.email")}: <strong>{profile.email}</strong></p>
      {save.done ? <Notice>{t("status.saved")}</Notice> : null}
      <Form onSubmit={save.run} error={save.error}>
        <Field label={t("field.name")} autoComplete="name" value={form.name} onChange={set("name")} error={save.fieldErrors.name} />
        <Field label={t("field.phoneOptional")} type="tel" autoComplete="tel" value={form.phone} onChange={set("phone")}
          error={save.fieldErrors.phone} hint={t("field.phoneHint")} />
        <SelectField label={t("field.language")} value={form.locale} onChange={set("locale")}
          options={Object.entries(LOCALE_NAMES)} />
        <TimeZoneField value={form.timezone} onChange={set("timezone")} error={save.fieldErrors.timezone} />
        <Submit pending={save.pending}>{t("action.save")}</Submit>
      </Form>
      {profile.phone && !profile.phone_verified ? (
        <Form onSubmit={confirmPhone.run} error={confirmPhone.error}>
          <Field label={t("account.phoneCode")} inputMode="numeric" autoComplete="one-time-code" value={code}
            onChange={(e) => setCode(e.target.value)} error={confirmPhone.fieldErrors.code} />
          <Submit pending={confirmPhone.pending}>{t("account.verifyPhone")}</Submit>
        </Form>
      ) : null}
    </section>
  );
}
