import { useEffect, type ReactNode } from "react";
import { Account } from "../accounts/Account";
import { signOut } from "../accounts/api";
import { ForgotPassword, ResetPassword } from "../accounts/Password";
import { SignIn } from "../accounts/SignIn";
import { SignUp } from "../accounts/SignUp";
import { VerifyEmail } from "../accounts/VerifyEmail";
import { BillDetail } from "../bills/BillDetail";
import { Bills } from "../bills/Bills";
import { GroupProvider, useGroup } from "../groups/GroupContext";
import { CreateGroup, GroupList } from "../groups/Groups";
import { InvitationLanding } from "../groups/InvitationLanding";
import { Members } from "../groups/Members";
import { GroupSettings } from "../groups/Settings";
import { useI18n } from "../i18n";
import { ImportReadings } from "../meters/ImportReadings";
import { MeterDetail } from "../meters/MeterDetail";
import { Meters } from "../meters/Meters";
import { ReviewQueue } from "../meters/ReviewQueue";
import { Usage } from "../meters/Usage";
import { useOnline, useQueuedReadings } from "../offline/outbox";
import { Balances } from "../payments/Balances";
import { Link, matchPath, navigate, useLocation } from "./router";
import { useSession } from "./session";

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

type GroupScreen = (params: Record<string, string>) => ReactNode;
const GROUP_SCREENS: [string, GroupScreen][] = [
  ["/groups/:groupId", () => <Meters />],
  ["/groups/:groupId/meters/:meterId", (p) => <MeterDetail meterId={p.meterId ?? ""} />],
  ["/groups/:groupId/review", () => <ReviewQueue />],
  ["/groups/:groupId/import", () => <ImportReadings />],
  ["/groups/:groupId/usage", () => <Usage />],
  ["/groups/:groupId/bills", () => <Bills />],
  ["/groups/:groupId/bills/:billId", (p) => <BillDetail billId={p.billId ?? ""} />],
  ["/groups/:groupId/balances", () => <Balances />],
  ["/groups/:groupId/members", () => <Members />],
  ["/groups/:groupId/settings", () => <GroupSettings />],
];

function Screen({ path }: { path: string }) {
  const { t } = useI18n();
  if (path === "/") return <GroupList />;
  if (path === "/groups/new") return <CreateGroup />;
  if (path === "/account") return <Account />;
  for (const [pattern, screen] of GROUP_SCREENS) {
    const params = matchPath(pattern, path);
    if (params?.groupId) {
      return (
        // keyed by the path: each screen of a group loads the group and its members fresh (who joined, new roles)
        <GroupProvider key={path} groupId={params.groupId}>
          <GroupNav />
          {screen(params)}
        </GroupProvider>
      );
    }
  }
  return <section className="page"><h1>{t("notFound.title")}</h1><p><Link to="/">{t("groups.title")}</Link></p></section>;
}

function GroupNav() {
  const { t } = useI18n();
  const { group } = useGroup();
  const { path } = useLocation();
  const base = `/groups/${group.id}`;
  const tabs: [string, string][] = [
    [base, t("nav.meters")], [`${base}/usage`, t("nav.usage")], [`${base}/bills`, t("nav.bills")],
    [`${base}/balances`, t("nav.balances")], [`${base}/members`, t("nav.members")], [`${base}/settings`, t("nav.settings")],
  ];
  const current = (to: string) => (to === base ? path === base || path.startsWith(`${base}/meters`) : path.startsWith(to));
  return (
    <nav aria-label={t("nav.group", { group: group.name })} className="tabs">
      <p className="group-name">{group.name}</p>
      <ul>{tabs.map(([to, label]) => <li key={to}><Link to={to} aria-current={current(to) ? "page" : undefined}>{label}</Link></li>)}</ul>
    </nav>
  );
}

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
  if (publicPage) content = publicPage();
  else if (status === "signed-in") content = <Screen path={path} />;
  else content = <p role="status" className="loading">{t("status.loading")}</p>;
  return (
    <>
      <Header />
      <main id="main">{content}</main>
    </>
  );
}
