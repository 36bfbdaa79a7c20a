import { useState } from "react";
import { Link, navigate } from "../app/router";
import { useI18n } from "../i18n";
import { Form, Submit } from "../ui/Form";
import { LoadState, Page } from "../ui/Page";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { createGroup, listGroups } from "./api";
import { emptyGroup, GroupFields } from "./GroupFields";

export function GroupList() {
  const { t } = useI18n();
  const loaded = useLoad(listGroups, []);
  return (
    <Page title={t("groups.title")} actions={<Link to="/groups/new" className="button">{t("groups.new")}</Link>}>
      <LoadState loaded={loaded}>
        {(groups) => groups.length === 0 ? <p>{t("groups.empty")}</p> : (
          <ul className="cards">
            {groups.map((g) => (
              <li key={g.id}>
                <Link to={`/groups/${g.id}`}><strong>{g.name}</strong></Link>
                <span>{t(`utility.${g.utility_type}`)} · {g.currency} · {t(`role.${g.your_role}`)}</span>
                {g.unpaid_bills ? <span className="badge">{t("groups.unpaid", { count: g.unpaid_bills })}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </LoadState>
    </Page>
  );
}

export function CreateGroup() {
  const { t } = useI18n();
  const [values, setValues] = useState(emptyGroup);
  const action = useAction(async () => {
    const group = await createGroup({ ...values, billing_cycle_days: values.billing_cycle === "custom" ? values.billing_cycle_days : null });
    navigate(`/groups/${group.id}/members`);
  });
  return (
    <Page title={t("groups.new")}>
      <Form onSubmit={action.run} error={action.error} label={t("groups.new")}>
        <GroupFields values={values} onChange={setValues} errors={action.fieldErrors} />
        <Submit pending={action.pending}>{t("groups.create")}</Submit>
      </Form>
    </Page>
  );
}
