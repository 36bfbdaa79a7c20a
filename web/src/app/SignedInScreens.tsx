import type { ReactNode } from "react";
import { Account } from "../accounts/Account";
import { BillDetail } from "../bills/BillDetail";
import { Bills } from "../bills/Bills";
import { GroupProvider, useGroup } from "../groups/GroupContext";
import { CreateGroup, GroupList } from "../groups/Groups";
import { Members } from "../groups/Members";
import { GroupSettings } from "../groups/Settings";
import { useI18n } from "../i18n";
import { ImportReadings } from "../meters/ImportReadings";
import { MeterDetail } from "../meters/MeterDetail";
import { Meters } from "../meters/Meters";
import { ReviewQueue } from "../meters/ReviewQueue";
import { Usage } from "../meters/Usage";
import { Balances } from "../payments/Balances";
import { Link, matchPath, useLocation } from "./router";

/**
 * The screens behind sign-in, in their own chunk: the sign-in screen does not wait for them to download and parse.
 * The service worker precaches this chunk too, so it is there offline.
 */
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

export default function Screen({ path }: { path: string }) {
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

