import { useEffect, useRef, useState } from "react";
import { takeQueryToken } from "../app/router";
import { useI18n } from "../i18n";
import { Form, Submit } from "../ui/Form";
import { Page } from "../ui/Page";
import { useAction } from "../ui/useAction";
import { CodeField, EmailField } from "./AccountFields";
import { resendVerification, verifyEmail } from "./api";
import { pendingEmail, rememberEmail } from "./pending";
import { StepDone } from "./StepDone";

/** The verify-email link's page (`?token=`, read once and removed from the address bar) and the code form. */
export function VerifyEmail() {
  const { t } = useI18n();
  const [email, setEmail] = useState(pendingEmail);
  const [code, setCode] = useState("");
  const [resent, setResent] = useState(false);
  const byCode = useAction(async () => { await verifyEmail({ email: email.trim(), code: code.trim() }); rememberEmail(email.trim()); });
  const byLink = useAction(async (token: string) => verifyEmail({ token }));
  const resend = useAction(async () => { await resendVerification(email.trim()); setResent(true); });
  const [token] = useState(() => takeQueryToken("token"));
  const runLink = byLink.run;
  const sent = useRef(false);
  useEffect(() => {
    if (token && !sent.current) {
      sent.current = true; // a link token is good once: never post it again (re-render, StrictMode's second effect)
      void runLink(token);
    }
  }, [token, runLink]);
  if (byCode.done || byLink.done) return <StepDone title={t("verify.title")} message={t("verify.done")} />;
  return (
    <Page title={t("verify.title")}>
      {byLink.error ? <p role="alert" className="alert">{t("verify.linkFailed", { detail: byLink.error })}</p> : null}
      {byLink.pending ? <p role="status">{t("status.loading")}</p> : <p>{t("verify.intro")}</p>}
      <Form onSubmit={byCode.run} error={byCode.error}>
        <EmailField value={email} onChange={setEmail} error={byCode.fieldErrors.email} />
        <CodeField value={code} onChange={setCode} error={byCode.fieldErrors.code} />
        <Submit pending={byCode.pending}>{t("verify.submit")}</Submit>
      </Form>
      <p>
        <button type="button" className="secondary" onClick={() => void resend.run()} disabled={!email || resend.pending}>{t("verify.resend")}</button>
        {resent ? <span role="status"> {t("verify.resent")}</span> : null}
      </p>
    </Page>
  );
}
