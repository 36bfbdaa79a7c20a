import { useEffect, useRef, useState } from "react";
import { Link, navigate, takeQueryToken } from "../app/router";
import { useSession } from "../app/session";
import { pendingInvitation, rememberEmail, rememberInvitation } from "../accounts/pending";
import { useI18n } from "../i18n";
import { Page } from "../ui/Page";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { acceptInvitation, declineInvitation, previewInvitation } from "./api";

/**
 * The invitation link's page. The token is taken from the address bar at once and kept in memory: a signed-in person
 * accepts and lands in the group; anyone else signs in or signs up first and comes back here.
 */
export function InvitationLanding() {
  const { t } = useI18n();
  const { status } = useSession();
  const [fromLink] = useState(() => takeQueryToken("token"));
  useEffect(() => {
    if (fromLink) rememberInvitation(fromLink);
  }, [fromLink]);
  const accept = useAction(async () => {
    const token = pendingInvitation() ?? fromLink;
    if (!token) return;
    const joined = await acceptInvitation(token);
    rememberInvitation(null);
    navigate(`/groups/${joined.group_id}`, { replace: true });
  });
  const decline = useAction(async () => {
    const token = pendingInvitation() ?? fromLink;
    if (token) await declineInvitation(token);
    rememberInvitation(null);
    navigate("/", { replace: true });
  });
  const autoAccepted = useRef(false);
  const hasToken = Boolean(fromLink ?? pendingInvitation());
  const preview = useLoad(async () => {
    const token = fromLink ?? pendingInvitation();
    if (!token || status === "signed-in") return null;
    const found = await previewInvitation(token);
    if (found.email) rememberEmail(found.email);
    return found;
  }, [fromLink, status]);
  const runAccept = accept.run;
  useEffect(() => {
    if (status === "signed-in" && hasToken && !autoAccepted.current) {
      autoAccepted.current = true;
      void runAccept();
    }
  }, [status, hasToken, runAccept]);
  if (!hasToken && !accept.pending) {
    return <Page title={t("invite.landing")}><p>{t("invite.noToken")}</p><p><Link to="/">{t("groups.title")}</Link></p></Page>;
  }
  return (
    <Page title={t("invite.landing")}>
      {accept.error ? <p role="alert" className="alert">{accept.error}</p> : null}
      {status === "signed-in" ? (
        <div className="actions">
          <button type="button" onClick={() => void accept.run()} disabled={accept.pending}>{t("invite.accept")}</button>
          <button type="button" className="secondary" onClick={() => void decline.run()}>{t("invite.decline")}</button>
        </div>
      ) : (
        <>
          {preview.data ? (
            <p>{t("invite.preview", { inviter: preview.data.inviter, group: preview.data.group_name, role: t(`role.${preview.data.role}`) })}</p>
          ) : null}
          {preview.error ? <p role="alert" className="alert">{preview.error.message}</p> : null}
          <p>{t("invite.landingIntro")}</p>
          <div className="actions">
            <Link to="/sign-in" className="button">{t("signIn.title")}</Link>
            <Link to="/sign-up" className="button secondary">{t("signUp.title")}</Link>
          </div>
        </>
      )}
    </Page>
  );
}
