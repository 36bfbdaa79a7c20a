import { useState } from "react";
import { navigate, Link } from "../app/router";
import { useI18n } from "../i18n";
import { Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { Page } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { CodeField, EmailField } from "./AccountFields";
import { sendSecondFactorCode, signIn, verifySecondFactor, type MfaChallenge, type MfaMethod } from "./api";
import { afterSignIn, pendingEmail, pendingInvitation } from "./pending";

export function SignIn() {
  const { t } = useI18n();
  const [email, setEmail] = useState(pendingEmail);
  const [password, setPassword] = useState("");
  const [challenge, setChallenge] = useState<MfaChallenge | null>(null);
  const action = useAction(async () => {
    const answer = await signIn(email.trim(), password);
    if (answer) setChallenge(answer);
    else navigate(afterSignIn(), { replace: true });
  });
  if (challenge) return <SecondFactor challenge={challenge} />;
  return (
    <Page title={t("signIn.title")}>
      {pendingInvitation() ? <Notice>{t("invite.signInFirst")}</Notice> : null}
      <Form onSubmit={action.run} error={action.error} label={t("signIn.title")}>
        <EmailField signIn value={email} onChange={setEmail} error={action.fieldErrors.email} />
        <Field label={t("field.password")} type="password" autoComplete="current-password" required value={password}
          onChange={(e) => setPassword(e.target.value)} error={action.fieldErrors.password} />
        <Submit pending={action.pending}>{t("signIn.submit")}</Submit>
      </Form>
      <p><Link to="/forgot-password">{t("signIn.forgot")}</Link></p>
      <p>{t("signIn.noAccount")} <Link to="/sign-up">{t("signUp.title")}</Link></p>
      <p><Link to="/verify-email">{t("verify.haveCode")}</Link></p>
    </Page>
  );
}

function SecondFactor({ challenge }: { challenge: MfaChallenge }) {
  const { t } = useI18n();
  const methods = challenge.methods;
  const [method, setMethod] = useState<MfaMethod>(methods[0] ?? "totp");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const verify = useAction(async () => {
    await verifySecondFactor(challenge.mfa_token, method, code.trim());
    navigate(afterSignIn(), { replace: true });
  });
  const send = useAction(async () => {
    if (method === "sms" || method === "email") await sendSecondFactorCode(challenge.mfa_token, method);
    setSent(true);
  });
  return (
    <Page title={t("mfa.title")}>
      <p>{t("mfa.intro")}</p>
      <Form onSubmit={verify.run} error={verify.error ?? send.error}>
        <SelectField label={t("mfa.method")} value={method} onChange={(e) => { setMethod(e.target.value as MfaMethod); setSent(false); }}
          options={methods.map((m) => [m, t(`mfa.method.${m}` as "mfa.method.totp")])} />
        {method === "sms" || method === "email" ? (
          <p>
            <button type="button" onClick={() => void send.run()} disabled={send.pending}>{t("mfa.send")}</button>
            {sent ? <span role="status"> {t("mfa.sent")}</span> : null}
          </p>
        ) : null}
        {method === "recovery" ? (
          <Field label={t("mfa.recoveryCode")} autoComplete="one-time-code" required value={code}
            onChange={(e) => setCode(e.target.value)} error={verify.fieldErrors.code} />
        ) : <CodeField value={code} onChange={setCode} error={verify.fieldErrors.code} />}
        <Submit pending={verify.pending}>{t("mfa.submit")}</Submit>
      </Form>
    </Page>
  );
}
