import { useI18n } from "../i18n";
import { Field } from "../ui/Field";

interface TextFieldProps {
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}

/** The email field of every account form ("Email"); `username` where it signs in, `email` where it registers. */
export function EmailField({ value, onChange, error, signIn = false }: TextFieldProps & { signIn?: boolean }) {
  const { t } = useI18n();
  return (
    <Field label={t("field.email")} type="email" autoComplete={signIn ? "username" : "email"} required value={value}
      onChange={(e) => onChange(e.target.value)} error={error} />
  );
}

/** A one-time code from an email, an SMS or an authenticator app: the numeric keypad and the OS's code autofill. */
export function CodeField({ value, onChange, error, label }: TextFieldProps & { label?: string }) {
  const { t } = useI18n();
  return (
    <Field label={label ?? t("field.code")} inputMode="numeric" autoComplete="one-time-code" required value={value}
      onChange={(e) => onChange(e.target.value)} error={error} />
  );
}
