import { useState } from "react";
import type { ResponseOf } from "../api/client";
import { useSession } from "../app/session";
import { useI18n } from "../i18n";
import { Field } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { CodeField } from "./AccountFields";
import { confirmTotp, setMfaMethod, startTotp } from "./api";

/** Authenticator-app enrolment (password, QR code, first code, recovery codes) and the SMS/email code switches. */
export function SecondFactors() {
  const { t } = useI18n();
  const { profile, reloadProfile } = useSession();
  const [password, setPassword] = useState("");
  const [setup, setSetup] = useState<ResponseOf<"post", "/auth/totp/setup"> | null>(null);
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const start = useAction(async () => { setSetup(await startTotp(password)); });
  const confirm = useAction(async () => {
    setRecovery(await confirmTotp(code.trim()));
    setSetup(null);
    setPassword("");
    await reloadProfile();
  });
  const toggle = useAction(async (method: "totp" | "sms" | "email", enabled: boolean) => {
    await setMfaMethod({ method, enabled, password });
    await reloadProfile();
  });
  const methods = profile?.mfa_methods ?? [];
  return (
    <section aria-labelledby="second-factors">
      <h2 id="second-factors">{t("mfa.settings")}</h2>
      <p>{methods.length ? t("mfa.enabled", { methods: methods.map((m) => t(`mfa.method.${m}` as "mfa.method.totp")).join(", ") }) : t("mfa.none")}</p>
      {recovery ? (
        <Notice>
          <p>{t("mfa.recoveryIntro")}</p>
          <ol className="codes">{recovery.map((c) => <li key={c}><code>{c}</code></li>)}</ol>
        </Notice>
      ) : null}
      {setup ? (
        <Form onSubmit={confirm.run} error={confirm.error}>
          <p>{t("mfa.scan")}</p>
          <img src={setup.qr_svg} alt={t("mfa.qrAlt")} width={200} height={200} className="qr" />
          <p>{t("mfa.secret")} <code className="secret">{setup.secret}</code></p>
          <CodeField value={code} onChange={setCode} error={confirm.fieldErrors.code} />
          <Submit pending={confirm.pending}>{t("mfa.confirm")}</Submit>
        </Form>
      ) : (
        <Form onSubmit={start.run} error={start.error ?? toggle.error}>
          <Field label={t("field.currentPassword")} type="password" autoComplete="current-password" value={password}
            onChange={(e) => setPassword(e.target.value)} error={start.fieldErrors.password ?? toggle.fieldErrors.password}
            hint={t("mfa.passwordHint")} />
          <div className="actions">
            {methods.includes("totp")
              ? <button type="button" onClick={() => void toggle.run("totp", false)}>{t("mfa.totpOff")}</button>
              : <Submit pending={start.pending}>{t("mfa.totpOn")}</Submit>}
            {(["email", "sms"] as const).map((m) => (
              <button key={m} type="button" className="secondary" onClick={() => void toggle.run(m, !methods.includes(m))}>
                {methods.includes(m) ? t(`mfa.${m}Off`) : t(`mfa.${m}On`)}
              </button>
            ))}
          </div>
        </Form>
      )}
    </section>
  );
}
