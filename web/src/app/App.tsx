import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { signOut } from "../accounts/api";
import { ForgotPassword, ResetPassword } from "../accounts/Password";
import { SignIn } from "../accounts/SignIn";
import { SignUp } from "../accounts/SignUp";
import { VerifyEmail } from "../accounts/VerifyEmail";
import { InvitationLanding } from "../groups/InvitationLanding";
import { useI18n } from "../i18n";
import { useOnline, useQueuedReadings } from "../offline/outbox";
import { Link, navigate, useLocation } from "./router";
import { useSession } from "./session";

const Screen = lazy(() => import("./SignedInScreens"));

/** Pages anyone may open; everything else needs a session (sign-in first, then back). */
const PUBLIC: Record<string, () => ReactNode> = {
  "/sign-in": () => <SignIn />,
  "/sign-up": () => <SignUp />,
  "/verify-email": () => <VerifyEmail />,
  "/forgot-password": () => <ForgotPassword />,
  "/reset-password": () => <ResetPassword />,
  "/invitations/accept": () => <InvitationLanding />,
  "/invitations": () => <InvitationLanding />,
};

function Header() {
  const { t } = useI18n();
  const { status } = useSession();
  const online = useOnline();
  const waiting = useQueuedReadings().filter((q) => q.state === "queued").length;
  const out = async () => { await signOut(false).catch(() => undefined); navigate("/sign-in", { replace: true }); };
  return (
    <header className="app-header">
      <a href="#main" className="skip">{t("nav.skip")}</a>
      <Link to="/" className="brand">sharemeter</Link>
      {status === "signed-in" ? (
        <nav aria-label={t("nav.main")}>
          <ul>
            <li><Link to="/">{t("nav.groups")}</Link></li>
            <li><Link to="/account">{t("nav.account")}</Link></li>
            <li><button type="button" className="link" onClick={() => void out()}>{t("nav.signOut")}</button></li>
          </ul>
        </nav>
      ) : null}
      <p className="connection" role="status">
        {online ? null : <span className="badge warn">{t("status.offline")}</span>}
        {waiting ? <span className="badge">{t("queue.count", { count: waiting })}</span> : null}
      </p>
    </header>
  );
}

export function App() {
  const { t } = useI18n();
  const { status } = useSession();
  const { path } = useLocation();
  const publicPage = PUBLIC[path];
  const needsSignIn = !publicPage && status === "signed-out";
  useEffect(() => {
    if (needsSignIn) navigate("/sign-in", { replace: true });
  }, [needsSignIn]);
  let content: ReactNode;
  const loading = <p role="status" className="loading">{t("status.loading")}</p>;
  if (publicPage) content = publicPage();
  else if (status === "signed-in") content = <Suspense fallback={loading}><Screen path={path} /></Suspense>;
  else content = loading;
  return (
    <>
      <Header />
      <main id="main">{content}</main>
    </>
  );
}
