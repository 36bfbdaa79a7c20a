import { useState } from "react";
import { Link, takeQueryToken } from "../app/router";
import { useI18n } from "../i18n";
import { Field } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { Page } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { CodeField, EmailField } from "./AccountFields";
import { changePassword, forgotPassword, resetPassword } from "./api";
import { StepDone } from "./StepDone";

export function ForgotPassword() {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const action = useAction(async () => forgotPassword(email.trim()));
  return (
    <Page title={t("forgot.title")}>
      {action.done ? <Notice>{t("forgot.sent")}</Notice> : <p>{t("forgot.intro")}</p>}
      <Form onSubmit={action.run} error={action.error}>
        <EmailField value={email} onChange={setEmail} error={action.fieldErrors.email} />
        <Submit pending={action.pending}>{t("forgot.submit")}</Submit>
      </Form>
      <p><Link to="/reset-password">{t("reset.haveCode")}</Link></p>
    </Page>
  );
}

/** The reset link's page (`?token=&email=`, the token read once and removed) or the emailed code. */
export function ResetPassword() {
  const { t } = useI18n();
  const [token] = useState(() => takeQueryToken("token"));
  const [email, setEmail] = useState(() => new URLSearchParams(window.location.search).get("email") ?? "");
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction(async () => resetPassword({
    email: email.trim(), new_password: password, ...(token ? { token } : { code: code.trim() }),
  }));
  if (action.done) return <StepDone title={t("reset.title")} message={t("reset.done")} />;
  return (
    <Page title={t("reset.title")}>
      <Form onSubmit={action.run} error={action.error}>
        <EmailField signIn value={email} onChange={setEmail} error={action.fieldErrors.email} />
        {token ? null : (
          <CodeField value={code} onChange={setCode} error={action.fieldErrors.code} />
        )}
        <Field label={t("field.newPassword")} type="password" autoComplete="new-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} error={action.fieldErrors.new_password} />
        <Submit pending={action.pending}>{t("reset.submit")}</Submit>
      </Form>
    </Page>
  );
}

export function ChangePassword() {
  const { t } = useI18n();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const action = useAction(async () => { await changePassword(current, next); setCurrent(""); setNext(""); });
  return (
    <section aria-labelledby="change-password">
      <h2 id="change-password">{t("password.change")}</h2>
      {action.done ? <Notice>{t("password.changed")}</Notice> : null}
      <Form onSubmit={action.run} error={action.error}>
        <Field label={t("field.currentPassword")} type="password" autoComplete="current-password" required value={current}
          onChange={(e) => setCurrent(e.target.value)} error={action.fieldErrors.current_password} />
        <Field label={t("field.newPassword")} type="password" autoComplete="new-password" required value={next}
          onChange={(e) => setNext(e.target.value)} error={action.fieldErrors.new_password} />
        <Submit pending={action.pending}>{t("password.change")}</Submit>
      </Form>
    </section>
  );
}
