import { useState } from "react";
import { navigate } from "../app/router";
import { TariffForm } from "../bills/TariffForm";
import { useI18n } from "../i18n";
import { SettlementPolicyForm } from "../payments/SettlementPolicyForm";
import { DangerZone } from "../ui/DangerZone";
import { Form, Submit } from "../ui/Form";
import { Page } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { deleteGroup, updateGroup } from "./api";
import { useGroup } from "./GroupContext";
import { GroupFields, type GroupFormValues } from "./GroupFields";

export function GroupSettings() {
  const { t } = useI18n();
  const { group, reload, canManage } = useGroup();
  const [values, setValues] = useState<GroupFormValues>({
    name: group.name, utility_type: group.utility_type, unit: group.unit, currency: group.currency, billing_cycle: group.billing_cycle,
    billing_cycle_days: group.billing_cycle_days, default_allocation_key: group.default_allocation_key,
    reading_window_days: group.reading_window_days, payment_terms_days: group.payment_terms_days, timezone: group.timezone,
  });
  const save = useAction(async () => {
    await updateGroup(group, { ...values, billing_cycle_days: values.billing_cycle === "custom" ? values.billing_cycle_days : null });
    reload();
  });
  const remove = useAction(async () => { await deleteGroup(group); navigate("/"); });
  if (!canManage) return <Page title={t("settings.title")}><p>{t("settings.readOnly")}</p></Page>;
  return (
    <Page title={t("settings.title")}>
      {save.done ? <Notice>{t("status.saved")}</Notice> : null}
      <Form onSubmit={save.run} error={save.error} label={t("settings.title")}>
        <GroupFields values={values} onChange={setValues} errors={save.fieldErrors} />
        <Submit pending={save.pending}>{t("action.save")}</Submit>
      </Form>
      <TariffForm />
      <SettlementPolicyForm />
      <DangerZone id="delete-group" title={t("settings.delete")} intro={t("settings.deleteIntro")} error={remove.error}
        button={t("settings.delete")} confirm={t("settings.deleteConfirm", { group: group.name })} onConfirmed={() => void remove.run()} />
    </Page>
  );
}
