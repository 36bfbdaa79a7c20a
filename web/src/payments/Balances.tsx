import { useState } from "react";
import { useLocation } from "../app/router";
import { useSession } from "../app/session";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState, Page } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { balances, listPayments, recordPayment, settlement, type Payment } from "./api";

interface Draft {
  from: string;
  to: string;
  amount: string;
  bill: string;
}

export function Balances() {
  const { t, money } = useI18n();
  const { group, nameOf } = useGroup();
  const { query } = useLocation();
  const loaded = useLoad(async () => {
    const [b, s, p] = await Promise.all([balances(group.id), settlement(group.id), listPayments(group.id)]);
    return { balances: b, settlement: s, payments: p };
  }, [group.id]);
  const [draft, setDraft] = useState<Draft>({ from: query.get("from") ?? "", to: query.get("to") ?? "", amount: query.get("amount") ?? "", bill: query.get("bill") ?? "" });
  return (
    <Page title={t("balances.title")}>
      <LoadState loaded={loaded}>
        {(data) => (
          <>
            {data.balances.balances.length === 0 ? <p>{t("balances.none")}</p> : (
              <table>
                <caption>{t("balances.caption")}</caption>
                <thead><tr><th scope="col">{t("bill.participant")}</th><th scope="col">{t("balances.owed")}</th><th scope="col">{t("balances.paid")}</th><th scope="col">{t("balances.received")}</th><th scope="col">{t("balances.balance")}</th></tr></thead>
                <tbody>
                  {data.balances.balances.map((b) => (
                    <tr key={b.participant}>
                      <th scope="row">{nameOf(b.participant)}</th>
                      <td className="num">{money(b.owed, data.balances.currency)}</td>
                      <td className="num">{money(b.paid, data.balances.currency)}</td>
                      <td className="num">{money(b.received, data.balances.currency)}</td>
                      <td className="num"><strong>{money(b.balance, data.balances.currency)}</strong></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p className="hint">{t("balances.sign")}</p>
            <section aria-labelledby="settle-up">
              <h2 id="settle-up">{t("settle.title")}</h2>
              {data.settlement.transfers.length === 0 ? <p>{t("settle.none")}</p> : (
                <ol className="list">
                  {data.settlement.transfers.map((tr, i) => (
                    <li key={i}>
                      {t("settle.transfer", { from: nameOf(tr.from), to: nameOf(tr.to), amount: money(tr.amount, data.settlement.currency) })}
                      <button type="button" className="secondary" onClick={() => setDraft({ from: tr.from, to: tr.to, amount: tr.amount, bill: "" })}>
                        {t("settle.use")}
                      </button>
                    </li>
                  ))}
                </ol>
              )}
            </section>
            <PaymentForm draft={draft} setDraft={setDraft} onRecorded={loaded.reload} />
            <PaymentList payments={data.payments} currency={data.balances.currency} />
          </>
        )}
      </LoadState>
    </Page>
  );
}

function PaymentForm({ draft, setDraft, onRecorded }: { draft: Draft; setDraft: (d: Draft) => void; onRecorded: () => void }) {
  const { t, parseNumber } = useI18n();
  const { group, members } = useGroup();
  const { profile } = useSession();
  // one key per payment being entered: a double tap or a retry after a lost answer records it once
  const [key, setKey] = useState(() => crypto.randomUUID());
  const parties = [...members.map((m) => [m.user_id, m.name] as const), ["utility", t("party.utility")] as const];
  const from = draft.from || profile?.id || "";
  const to = draft.to || "utility";
  const record = useAction(async () => {
    await recordPayment(group.id, { from, to, amount: parseNumber(draft.amount) ?? draft.amount, bill_id: draft.bill || null }, key);
    setKey(crypto.randomUUID());
    setDraft({ from: "", to: "", amount: "", bill: "" });
    onRecorded();
  });
  return (
    <section aria-labelledby="record-payment">
      <h2 id="record-payment">{t("payment.record")}</h2>
      {record.done ? <Notice>{t("payment.recorded")}</Notice> : null}
      <Form onSubmit={record.run} error={record.error} label={t("payment.record")}>
        <SelectField label={t("payment.from")} value={from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} options={parties} error={record.fieldErrors.from} />
        <SelectField label={t("payment.to")} value={to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} options={parties} error={record.fieldErrors.to} />
        <Field label={t("payment.amount", { currency: group.currency })} inputMode="decimal" required value={draft.amount}
          onChange={(e) => setDraft({ ...draft, amount: e.target.value })} error={record.fieldErrors.amount} />
        <Submit pending={record.pending}>{t("payment.submit")}</Submit>
      </Form>
    </section>
  );
}

function PaymentList({ payments, currency }: { payments: Payment[]; currency: string }) {
  const { t, money, dateTime } = useI18n();
  const { group, nameOf } = useGroup();
  return (
    <section aria-labelledby="payments">
      <h2 id="payments">{t("payments.title")}</h2>
      {payments.length === 0 ? <p>{t("payments.none")}</p> : (
        <table>
          <caption className="visually-hidden">{t("payments.title")}</caption>
          <thead><tr><th scope="col">{t("payments.when")}</th><th scope="col">{t("payment.from")}</th><th scope="col">{t("payment.to")}</th><th scope="col">{t("payment.amountShort")}</th></tr></thead>
          <tbody>
            {payments.map((p) => (
              <tr key={p.id}>
                <td>{dateTime(p.recorded_at, group.timezone)}</td>
                <td>{nameOf(p.from)}</td>
                <td>{nameOf(p.to)}</td>
                <td className="num">{money(p.amount, currency)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
