import { useState } from "react";
import { Link } from "../app/router";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { PayShareSlot } from "../payments/PayShareSlot";
import { Field } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState, Page } from "../ui/Page";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { deleteDraft, getBill, issueBill, sendToReview, updateDraft, type Bill, type BillShare, type ShareLine } from "./api";
import { basisOf, roundingDirection, shareLines } from "./breakdown";
import { navigate } from "../app/router";
import { useSession } from "../app/session";

export function BillDetail({ billId }: { billId: string }) {
  const { t, date } = useI18n();
  const { group } = useGroup();
  const loaded = useLoad(() => getBill(group.id, billId), [group.id, billId]);
  return (
    <LoadState loaded={loaded}>
      {(bill) => (
        <Page title={bill.title ?? t("bill.titleFor", { from: date(String(bill.period.from)), to: date(String(bill.period.to)) })}>
          <Summary bill={bill} />
          <Actions bill={bill} reload={loaded.reload} />
          <EditDraft bill={bill} reload={loaded.reload} />
          <Inputs bill={bill} />
          <Breakdown bill={bill} />
        </Page>
      )}
    </LoadState>
  );
}

function Summary({ bill }: { bill: Bill }) {
  const { t, money, date } = useI18n();
  const { nameOf } = useGroup();
  return (
    <dl className="summary">
      <dt>{t("bill.state")}</dt><dd><span className={`badge state-${bill.state}`}>{t(`bill.state.${bill.state}`)}</span>{bill.is_settled ? <span className="badge ok">{t("bill.settled")}</span> : null}</dd>
      <dt>{t("bill.period")}</dt><dd>{date(String(bill.period.from))} – {date(String(bill.period.to))}</dd>
      <dt>{t("bill.total")}</dt><dd>{bill.total ? money(bill.total, bill.currency) : "—"}</dd>
      <dt>{t("bill.payee")}</dt><dd>{nameOf(bill.payee)}</dd>
      {bill.due_on ? <><dt>{t("bill.due")}</dt><dd>{date(bill.due_on)}</dd></> : null}
      {bill.estimated ? <><dt>{t("bill.estimated")}</dt><dd>{t("bill.estimatedNote")}</dd></> : null}
    </dl>
  );
}

function Actions({ bill, reload }: { bill: Bill; reload: () => void }) {
  const { t } = useI18n();
  const { group, canManage } = useGroup();
  const review = useAction(async () => { await sendToReview(group.id, bill); reload(); });
  const issue = useAction(async () => { await issueBill(group.id, bill); reload(); });
  const reopen = useAction(async () => { await updateDraft(group.id, bill, { title: bill.title }); reload(); });
  const remove = useAction(async () => { await deleteDraft(group.id, bill); navigate(`/groups/${group.id}/bills`); });
  if (!canManage || bill.state === "issued") return null;
  const error = review.error ?? issue.error ?? reopen.error ?? remove.error;
  return (
    <div className="actions">
      {error ? <p role="alert" className="alert">{error}</p> : null}
      {bill.state === "draft" ? <button type="button" onClick={() => void review.run()} disabled={review.pending}>{t("bill.sendToReview")}</button> : null}
      {bill.state === "review" ? <button type="button" onClick={() => void issue.run()} disabled={issue.pending}>{t("bill.issue")}</button> : null}
      {bill.state === "review" ? <button type="button" className="secondary" onClick={() => void reopen.run()}>{t("bill.backToDraft")}</button> : null}
      {bill.state === "draft" ? <button type="button" className="danger" onClick={() => void remove.run()}>{t("bill.delete")}</button> : null}
    </div>
  );
}

/** A draft's amount and title can change before review; the shares are computed again (PATCH with its version). */
function EditDraft({ bill, reload }: { bill: Bill; reload: () => void }) {
  const { t, parseNumber } = useI18n();
  const { group, canManage } = useGroup();
  const [total, setTotal] = useState(bill.total ?? "");
  const [title, setTitle] = useState(bill.title ?? "");
  const save = useAction(async () => {
    await updateDraft(group.id, bill, { total: parseNumber(total) ?? total, title: title.trim() || null });
    reload();
  });
  if (!canManage || bill.state !== "draft" || !bill.total) return null;
  return (
    <details>
      <summary>{t("bill.edit")}</summary>
      <Form onSubmit={save.run} error={save.error} label={t("bill.edit")}>
        <Field label={t("bill.amount", { currency: bill.currency })} inputMode="decimal" value={total}
          onChange={(e) => setTotal(e.target.value)} error={save.fieldErrors.total} />
        <Field label={t("bill.titleField")} value={title} onChange={(e) => setTitle(e.target.value)} error={save.fieldErrors.title} />
        <Submit pending={save.pending}>{t("action.save")}</Submit>
      </Form>
    </details>
  );
}

interface InputParticipant {
  id: string;
  present?: { from: string; to: string }[] | null;
  weights?: Record<string, string | null>;
  consumption?: string | null;
}

/** What the bill was computed from, for review: the rule, and per participant the days present, weights and usage. */
function Inputs({ bill }: { bill: Bill }) {
  const { t, number, date, percent } = useI18n();
  const { group, nameOf } = useGroup();
  const inputs = bill.inputs as { method?: string; key?: string | null; parts?: { method: string; key?: string | null; fraction: string }[]; participants?: InputParticipant[]; lines?: { name: string; method: string }[] };
  const estimated = new Set((bill as { estimated_participants?: string[] }).estimated_participants ?? []);
  const rule = inputs.parts?.length
    ? inputs.parts.map((p) => `${percent(p.fraction)} ${t(`basis.${basisOf(p.method === "weights" ? `weights:${p.key ?? ""}` : p.method)}`)}`).join(" + ")
    : inputs.lines?.length ? inputs.lines.map((l) => `${l.name}: ${l.method}`).join(", ")
      : t(`basis.${basisOf(inputs.method === "weights" ? `weights:${inputs.key ?? ""}` : inputs.method ?? "equal")}`);
  return (
    <section aria-labelledby="inputs">
      <h2 id="inputs">{t("bill.inputs")}</h2>
      <p>{t("bill.rule")}: <strong>{rule}</strong></p>
      <table>
        <caption className="visually-hidden">{t("bill.inputs")}</caption>
        <thead><tr><th scope="col">{t("bill.participant")}</th><th scope="col">{t("bill.present")}</th><th scope="col">{t("members.area")}</th><th scope="col">{t("history.consumption", { unit: group.unit })}</th></tr></thead>
        <tbody>
          {(inputs.participants ?? []).map((p) => (
            <tr key={p.id}>
              <th scope="row">{nameOf(p.id)}</th>
              <td>{p.present ? (p.present.length ? p.present.map((s) => `${date(s.from)} – ${date(s.to)}`).join(", ") : t("bill.presentNoDay")) : t("bill.presentAll")}</td>
              <td className="num">{p.weights?.area ? number(p.weights.area) : "—"}</td>
              <td className="num">{p.consumption ? number(p.consumption, 2) : "—"}{estimated.has(p.id) ? ` (${t("chart.estimatedShort")})` : ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Why each person owes what they owe: per line the key, the basis, the share of the blend, and the rounding cent. */
function Breakdown({ bill }: { bill: Bill }) {
  const { t } = useI18n();
  const shares = (bill.shares ?? []);
  if (!shares.length) return null;
  return (
    <section aria-labelledby="breakdown">
      <h2 id="breakdown">{t("bill.breakdown")}</h2>
      <ul className="shares">{shares.map((s) => <ShareCard key={s.participant} bill={bill} share={s} />)}</ul>
    </section>
  );
}

function ShareCard({ bill, share }: { bill: Bill; share: BillShare }) {
  const { t, money, date } = useI18n();
  const { group, nameOf } = useGroup();
  const { profile } = useSession();
  const headingId = `share-${share.participant}`;
  const isMine = profile?.id === share.participant;
  return (
    <li aria-labelledby={headingId}>
      <h3 id={headingId}>{nameOf(share.participant)}: {money(share.amount, bill.currency)}</h3>
      {share.status ? <p><span className={`badge status-${share.status}`}>{t(`share.status.${share.status}` as "share.status.due")}</span>{share.due_on ? ` ${t("bill.dueOn", { date: date(share.due_on) })}` : ""}</p> : null}
      {shareLines(share.lines).map((line) => <LineBreakdown key={line.name} line={line} currency={bill.currency} unit={group.unit} />)}
      <details><summary>{t("bill.calculation")}</summary><p className="explanation">{share.explanation}</p></details>
      {bill.state === "issued" && share.status !== "paid" && share.participant !== bill.payee ? (
        <p className="actions">
          <Link className="button secondary" to={`/groups/${group.id}/balances?from=${share.participant}&to=${bill.payee}&bill=${bill.id}&amount=${share.amount}`}>
            {t("bill.recordPayment", { name: nameOf(share.participant) })}
          </Link>
          {isMine ? <PayShareSlot bill={bill} share={share} /> : null}
        </p>
      ) : null}
    </li>
  );
}

function LineBreakdown({ line, currency, unit }: { line: ShareLine; currency: string; unit: string }) {
  const { t, money, number, percent } = useI18n();
  const direction = roundingDirection(line.rounding);
  const unitOf = (label: string) => ({ consumption: unit, area: "m²", occupants: t("unit.persons"), custom: "", equal: t("unit.shares"), fixed: "", other: "" })[basisOf(label)];
  return (
    <div className="line">
      <p><strong>{line.name === "total" ? t("bill.line.total") : line.name}: {money(line.amount, currency)}</strong></p>
      <table>
        <caption className="visually-hidden">{t("bill.lineParts", { line: line.name })}</caption>
        <thead><tr><th scope="col">{t("bill.key")}</th><th scope="col">{t("bill.shareOfBlend")}</th><th scope="col">{t("bill.basis")}</th><th scope="col">{t("bill.exact")}</th></tr></thead>
        <tbody>
          {line.parts.map((p) => (
            <tr key={p.label}>
              <th scope="row">{t(`basis.${basisOf(p.label)}`)}</th>
              <td className="num">{p.fraction ? percent(p.fraction) : "100 %"}</td>
              <td>
                {p.presence
                  ? t("bill.basisPresent", { quantity: number(p.quantity, 2), days: number(p.presence), total: number(p.total, 2), unit: unitOf(p.label) })
                  : t("bill.basisOf", { quantity: number(p.quantity, 2), total: number(p.total, 2), unit: unitOf(p.label) })}
              </td>
              <td className="num">{money(p.exact, currency).replace(/\s/g, "\u00a0")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="rounding">
        {direction === "none" ? t("bill.roundingNone", { exact: `${number(line.exact, 6)} ${currency}` })
          : t(direction === "up" ? "bill.roundingUp" : "bill.roundingDown", { exact: `${number(line.exact, 6)} ${currency}`, cents: Math.abs(line.rounding) })}
      </p>
    </div>
  );
}
