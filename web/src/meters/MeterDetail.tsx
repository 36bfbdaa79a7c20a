import { useEffect, useState } from "react";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { discardReading, queueReading, useOnline, useQueuedReadings } from "../offline/outbox";
import { BarChart } from "../ui/BarChart";
import { Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState, Page } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { changeTenant, correctReading, listMeters, listReadings, photoLink, type Meter, type Reading } from "./api";
import { localDateTimeToIso, nowLocalDateTime } from "./time";

export function MeterDetail({ meterId }: { meterId: string }) {
  const { t } = useI18n();
  const { group, canManage } = useGroup();
  const meter = useLoad(async () => {
    const found = (await listMeters(group.id)).find((m) => m.id === meterId);
    if (!found) throw new Error(t("meter.notFound"));
    return found;
  }, [group.id, meterId]);
  const readings = useLoad(() => listReadings(group.id, meterId), [group.id, meterId]);
  const waiting = useQueuedReadings(meterId).length;
  const reloadReadings = readings.reload;
  useEffect(() => reloadReadings(), [waiting, reloadReadings]); // a queued reading reached the API: show it in the history
  return (
    <LoadState loaded={meter}>
      {(m) => (
        <Page title={t("meter.title", { serial: m.serial })}>
          <RecordReading meter={m} />
          <QueuedReadings meterId={m.id} />
          <LoadState loaded={readings}>{(items) => <History meter={m} readings={items} onCorrected={readings.reload} />}</LoadState>
          {canManage && m.kind === "sub" && !m.removed_at ? <TenantChange meter={m} onChanged={() => { meter.reload(); readings.reload(); }} /> : null}
        </Page>
      )}
    </LoadState>
  );
}

/** Every reading is written to the offline queue first, then sent: offline it simply waits there. */
function RecordReading({ meter }: { meter: Meter }) {
  const { t, parseNumber } = useI18n();
  const { group } = useGroup();
  const online = useOnline();
  const [value, setValue] = useState("");
  const [takenAt, setTakenAt] = useState(nowLocalDateTime());
  const [note, setNote] = useState("");
  const [photo, setPhoto] = useState<File | null>(null);
  const [invalid, setInvalid] = useState<string>();
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    const parsed = parseNumber(value);
    if (parsed === null) {
      setInvalid(t("reading.invalid"));
      return;
    }
    setInvalid(undefined);
    await queueReading({ groupId: group.id, meterId: meter.id, value: parsed, takenAt: localDateTimeToIso(takenAt), note: note.trim() || null, photo });
    setValue("");
    setNote("");
    setPhoto(null);
    setSaved(true);
  });
  return (
    <section aria-labelledby="record">
      <h2 id="record">{t("reading.record")}</h2>
      {saved ? <Notice>{online ? t("reading.saved") : t("reading.savedOffline")}</Notice> : null}
      <Form onSubmit={save.run} error={save.error} label={t("reading.record")}>
        <Field label={t("reading.value")} inputMode="decimal" autoComplete="off" required value={value}
          onChange={(e) => { setValue(e.target.value); setSaved(false); }} error={invalid} hint={meter.unit} />
        <Field label={t("reading.takenAt")} type="datetime-local" required value={takenAt} onChange={(e) => setTakenAt(e.target.value)} />
        <Field label={t("reading.note")} value={note} onChange={(e) => setNote(e.target.value)} />
        <Field label={t("reading.photo")} type="file" accept="image/*" capture="environment"
          onChange={(e) => setPhoto(e.target.files?.[0] ?? null)} hint={t("reading.photoHint")} />
        <Submit pending={save.pending}>{t("reading.save")}</Submit>
      </Form>
    </section>
  );
}

function QueuedReadings({ meterId }: { meterId: string }) {
  const { t, number, dateTime } = useI18n();
  const queued = useQueuedReadings(meterId);
  if (queued.length === 0) return null;
  return (
    <section aria-labelledby="queued">
      <h2 id="queued">{t("queue.title")}</h2>
      <ul className="list" aria-live="polite">
        {queued.map((q) => (
          <li key={q.key} className={q.state === "rejected" ? "queued rejected" : "queued"}>
            <span>{number(q.value)} · {dateTime(q.takenAt)}</span>
            <span className="badge">{q.state === "queued" ? t("queue.queued") : t("queue.rejected")}</span>
            {q.problem ? <span>{q.problem}</span> : null}
            {q.state === "rejected" ? <button type="button" className="secondary" onClick={() => void discardReading(q.key)}>{t("queue.discard")}</button> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function History({ meter, readings, onCorrected }: { meter: Meter; readings: Reading[]; onCorrected: () => void }) {
  const { t, number, dateTime, date } = useI18n();
  const { group, canManage } = useGroup();
  const photo = useAction(async (reading: Reading) => {
    const link = await photoLink(group.id, meter.id, reading.id);
    window.open(link.url, "_blank", "noopener");
  });
  const chronological = [...readings].reverse().filter((r) => r.consumption !== null && r.review_status !== "rejected");
  const bars = chronological.map((r) => ({ label: date(r.taken_at).replace(/,? \d{4}$/, ""), value: r.consumption ?? "0" }));
  return (
    <section aria-labelledby="history">
      <h2 id="history">{t("history.title")}</h2>
      {bars.length ? (
        <BarChart title={t("history.chart", { unit: meter.unit })} bars={bars} format={(v) => number(v, 1)} estimatedLabel={t("chart.estimated")}
          summary={t("history.summary", { count: bars.length, unit: meter.unit })} />
      ) : null}
      {photo.error ? <p role="alert" className="alert">{photo.error}</p> : null}
      {readings.length === 0 ? <p>{t("meter.noReadings")}</p> : (
        <table>
          <caption>{t("history.table")}</caption>
          <thead><tr><th scope="col">{t("reading.takenAt")}</th><th scope="col">{t("reading.value")}</th><th scope="col">{t("history.consumption", { unit: meter.unit })}</th><th scope="col">{t("history.status")}</th></tr></thead>
          <tbody>
            {readings.map((r) => (
              <tr key={r.id}>
                <td>{dateTime(r.taken_at, group.timezone)}</td>
                <td className="num">{number(r.value)}</td>
                <td className="num">{r.consumption === null ? "—" : number(r.consumption)}</td>
                <td>
                  {r.is_flagged ? <span className="badge warn">{t(`review.status.${r.review_status ?? "pending"}` as "review.status.pending")}</span> : null}
                  {r.note ? <span> {r.note}</span> : null}
                  {r.has_photo ? <button type="button" className="link" onClick={() => void photo.run(r)}>{t("reading.viewPhoto")}</button> : null}
                  {r.corrections.length ? <span className="badge">{t("correction.corrected")}</span> : null}
                  {canManage ? <CorrectReading meter={meter} reading={r} onCorrected={onCorrected} /> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CorrectReading({ meter, reading, onCorrected }: { meter: Meter; reading: Reading; onCorrected: () => void }) {
  const { t, parseNumber, number } = useI18n();
  const { group } = useGroup();
  const [value, setValue] = useState("");
  const [reason, setReason] = useState("");
  const correct = useAction(async () => {
    await correctReading(group.id, meter.id, reading, parseNumber(value) ?? value, reason.trim());
    onCorrected();
  });
  return (
    <details>
      <summary>{t("correction.open", { value: number(reading.value) })}</summary>
      <Form onSubmit={correct.run} error={correct.error} label={t("correction.open", { value: number(reading.value) })}>
        <Field label={t("correction.value")} inputMode="decimal" required value={value} onChange={(e) => setValue(e.target.value)}
          error={correct.fieldErrors.value} />
        <Field label={t("correction.reason")} required value={reason} onChange={(e) => setReason(e.target.value)}
          error={correct.fieldErrors.reason} />
        <Submit pending={correct.pending}>{t("correction.submit")}</Submit>
      </Form>
    </details>
  );
}

function TenantChange({ meter, onChanged }: { meter: Meter; onChanged: () => void }) {
  const { t, parseNumber } = useI18n();
  const { group, members, nameOf } = useGroup();
  const [participant, setParticipant] = useState(members.find((m) => m.user_id !== meter.participant_id)?.user_id ?? "");
  const [at, setAt] = useState(nowLocalDateTime());
  const [value, setValue] = useState("");
  const change = useAction(async () => {
    await changeTenant(group.id, meter.id, {
      participant_id: participant || null, at: localDateTimeToIso(at), reading_value: parseNumber(value) ?? value,
    });
    onChanged();
  });
  return (
    <section aria-labelledby="tenant-change">
      <h2 id="tenant-change">{t("tenant.title")}</h2>
      <p>{t("tenant.intro", { name: meter.participant_id ? nameOf(meter.participant_id) : t("tenant.nobody") })}</p>
      {change.done ? <Notice>{t("status.saved")}</Notice> : null}
      <Form onSubmit={change.run} error={change.error} label={t("tenant.title")}>
        <SelectField label={t("tenant.next")} value={participant} onChange={(e) => setParticipant(e.target.value)}
          options={[...members.map((m) => [m.user_id, m.name] as const), ["", t("tenant.nobody")] as const]} />
        <Field label={t("tenant.at")} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} error={change.fieldErrors.at} />
        <Field label={t("tenant.reading", { unit: meter.unit })} inputMode="decimal" required value={value}
          onChange={(e) => setValue(e.target.value)} error={change.fieldErrors.reading_value} />
        <Submit pending={change.pending}>{t("tenant.submit")}</Submit>
      </Form>
    </section>
  );
}
