import { Link } from "../app/router";
import { useI18n } from "../i18n";
import { Page } from "../ui/Page";
import { Notice } from "../ui/Status";

/** The end of an account step (email confirmed, password reset): what happened, and the way to sign in. */
export function StepDone({ title, message }: { title: string; message: string }) {
  const { t } = useI18n();
  return (
    <Page title={title}>
      <Notice>{message}</Notice>
      <p><Link to="/sign-in" className="button">{t("signIn.title")}</Link></p>
    </Page>
  );
}
