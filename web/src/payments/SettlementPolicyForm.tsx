import { useState } from "react";
import { getTariff } from "../bills/api";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { setSettlementPolicy } from "./api";

type Mode = "minimal" | "bill_holder";

/** How the group settles up: the fewest transfers, or everyone with the bill holder (starting from the current choice). */
export function SettlementPolicyForm() {
  const { t } = useI18n();
  const { group } = useGroup();
  const current = useLoad(async () => (await getTariff(group.id)).settlement as { mode: Mode; payee: string | null }, [group.id]);
  return (
    <section aria-labelledby="settlement-policy">
      <h2 id="settlement-policy">{t("settle.policy")}</h2>
      <LoadState loaded={current}>{(policy) => <PolicyFields initial={policy} />}</LoadState>
    </section>
  );
}

function PolicyFields({ initial }: { initial: { mode: Mode; payee: string | null } }) {
  const { t } = useI18n();
  const { group, members } = useGroup();
  const [mode, setMode] = useState<Mode>(initial.mode);
  const [payee, setPayee] = useState(initial.payee ?? members[0]?.user_id ?? "");
  const save = useAction(async () => setSettlementPolicy(group.id, { mode, payee: mode === "bill_holder" ? payee : null }));
  return (
    <>
      {save.done ? <Notice>{t("status.saved")}</Notice> : null}
      <Form onSubmit={save.run} error={save.error} label={t("settle.policy")}>
        <SelectField label={t("settle.mode")} value={mode} onChange={(e) => setMode(e.target.value as Mode)}
          options={[["minimal", t("settle.minimal")], ["bill_holder", t("settle.billHolder")]]} />
        {mode === "bill_holder" ? (
          <SelectField label={t("settle.holder")} value={payee} onChange={(e) => setPayee(e.target.value)} error={save.fieldErrors.payee}
            options={members.map((m) => [m.user_id, m.name])} />
        ) : null}
        <Submit pending={save.pending}>{t("action.save")}</Submit>
      </Form>
    </>
  );
}
