import { useState } from "react";
import { Link, navigate } from "../app/router";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { localDate } from "../meters/time";
import { Checkbox, Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState, Page } from "../ui/Page";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { draftBill, listBills } from "./api";
import { billRequest, RULES, type DraftForm, type Rule } from "./draftRequest";

export function Bills() {
  const { t, money, date } = useI18n();
  const { group, canManage } = useGroup();
  const loaded = useLoad(() => listBills(group.id), [group.id]);
  return (
    <Page title={t("bills.title")}>
      <LoadState loaded={loaded}>
        {(bills) => bills.length === 0 ? <p>{t("bills.empty")}</p> : (
          <table>
            <caption className="visually-hidden">{t("bills.title")}</caption>
            <thead><tr><th scope="col">{t("bill.period")}</th><th scope="col">{t("bill.state")}</th><th scope="col">{t("bill.total")}</th><th scope="col">{t("bill.due")}</th></tr></thead>
            <tbody>
              {bills.map((b) => (
                <tr key={b.id}>
                  <th scope="row">
                    <Link to={`/groups/${group.id}/bills/${b.id}`}>
                      {b.title ?? t("bill.untitled")} · {date(String(b.period.from))} – {date(String(b.period.to))}
                    </Link>
                    {b.source === "tariff" ? <span className="badge">{t("bill.fromTariff")}</span> : null}
                  </th>
                  <td><span className={`badge state-${b.state}`}>{t(`bill.state.${b.state}`)}</span>{b.is_settled ? <span className="badge ok">{t("bill.settled")}</span> : null}</td>
                  <td className="num">{b.total ? money(b.total, b.currency) : "—"}</td>
                  <td>{b.due_on ? date(b.due_on) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadState>
      {canManage ? <DraftBill /> : null}
    </Page>
  );
}

function lastMonth(): { from: string; to: string } {
  const today = localDate();
  const firstOfThis = `${today.slice(0, 8)}01`;
  const [y, m] = firstOfThis.split("-").map(Number) as [number, number];
  const from = m === 1 ? `${y - 1}-12-01` : `${y}-${String(m - 1).padStart(2, "0")}-01`;
  const end = new Date(Date.UTC(y, m - 1, 0));
  return { from, to: end.toISOString().slice(0, 10) };
}

function DraftBill() {
  const { t, parseNumber } = useI18n();
  const { group, members } = useGroup();
  const [form, setForm] = useState<DraftForm>(() => ({
    ...lastMonth(), title: "", total: "", rule: group.default_allocation_key === "custom" ? "equal" : group.default_allocation_key,
    consumptionPercent: "70", restKey: "area", payee: "utility", everyonePresent: false,
  }));
  const set = <K extends keyof DraftForm>(field: K, value: DraftForm[K]) => setForm({ ...form, [field]: value });
  const draft = useAction(async () => {
    const bill = await draftBill(group.id, billRequest(form, members, parseNumber));
    navigate(`/groups/${group.id}/bills/${bill.id}`);
  });
  const errors = draft.fieldErrors;
  return (
    <section aria-labelledby="draft-bill">
      <h2 id="draft-bill">{t("bills.draft")}</h2>
      <Form onSubmit={draft.run} error={draft.error} label={t("bills.draft")}>
        <div className="inline-fields">
          <Field label={t("bill.from")} type="date" required value={form.from} onChange={(e) => set("from", e.target.value)} error={errors["period.from"]} />
          <Field label={t("bill.to")} type="date" required value={form.to} onChange={(e) => set("to", e.target.value)} error={errors["period.to"]} />
        </div>
        <Field label={t("bill.titleField")} value={form.title} onChange={(e) => set("title", e.target.value)} error={errors.title} />
        <Field label={t("bill.amount", { currency: group.currency })} inputMode="decimal" required value={form.total}
          onChange={(e) => set("total", e.target.value)} error={errors.total} />
        <SelectField label={t("bill.rule")} value={form.rule} onChange={(e) => set("rule", e.target.value as Rule)}
          error={errors.method ?? errors.parts} options={RULES.map((r) => [r, t(`key.${r}`)])} />
        {form.rule === "blend" ? (
          <div className="inline-fields">
            <Field label={t("bill.blendConsumption")} inputMode="decimal" value={form.consumptionPercent}
              onChange={(e) => set("consumptionPercent", e.target.value)} error={errors["parts[0].fraction"]} />
            <SelectField label={t("bill.blendRest")} value={form.restKey} onChange={(e) => set("restKey", e.target.value as DraftForm["restKey"])}
              options={(["area", "occupants", "equal"] as const).map((k) => [k, t(`key.${k}`)])} />
          </div>
        ) : null}
        <SelectField label={t("bill.payee")} value={form.payee} onChange={(e) => set("payee", e.target.value)} error={errors.payee}
          options={[["utility", t("party.utility")], ...members.map((m) => [m.user_id, m.name] as const)]} hint={t("bill.payeeHint")} />
        <Checkbox label={t("bill.everyonePresent")} checked={form.everyonePresent} onChange={(e) => set("everyonePresent", e.target.checked)} />
        {errors.participants ? <p className="field-error">{errors.participants}</p> : null}
        <Submit pending={draft.pending}>{t("bills.draftSubmit")}</Submit>
      </Form>
    </section>
  );
}
