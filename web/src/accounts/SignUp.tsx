import { useState } from "react";
import { Link, navigate } from "../app/router";
import { LOCALE_NAMES, useI18n } from "../i18n";
import { Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { Page } from "../ui/Page";
import { useAction } from "../ui/useAction";
import { EmailField } from "./AccountFields";
import { signUp } from "./api";
import { pendingEmail, rememberEmail } from "./pending";
import { TimeZoneField } from "./TimeZoneField";

export function SignUp() {
  const { t, locale } = useI18n();
  const [form, setForm] = useState({
    name: "", email: pendingEmail(), password: "", phone: "", locale: locale,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  });
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });
  const action = useAction(async () => {
    await signUp({ ...form, email: form.email.trim(), phone: form.phone.trim() || null });
    rememberEmail(form.email.trim());
    navigate("/verify-email");
  });
  const errors = action.fieldErrors;
  return (
    <Page title={t("signUp.title")}>
      <Form onSubmit={action.run} error={action.error} label={t("signUp.title")}>
        <Field label={t("field.name")} autoComplete="name" required value={form.name} onChange={set("name")} error={errors.name} />
        <EmailField value={form.email} onChange={(email) => setForm({ ...form, email })} error={errors.email} />
        <Field label={t("field.newPassword")} type="password" autoComplete="new-password" required value={form.password}
          onChange={set("password")} error={errors.password} hint={t("signUp.passwordHint")} />
        <Field label={t("field.phoneOptional")} type="tel" autoComplete="tel" value={form.phone} onChange={set("phone")}
          error={errors.phone} hint={t("field.phoneHint")} />
        <SelectField label={t("field.language")} value={form.locale} onChange={set("locale")}
          options={Object.entries(LOCALE_NAMES)} />
        <TimeZoneField value={form.timezone} onChange={set("timezone")} error={errors.timezone} />
        <Submit pending={action.pending}>{t("signUp.submit")}</Submit>
      </Form>
      <p>{t("signUp.haveAccount")} <Link to="/sign-in">{t("signIn.title")}</Link></p>
    </Page>
  );
}
