import { useState } from "react";
import { Link } from "../app/router";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { useQueuedReadings } from "../offline/outbox";
import { Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState, Page } from "../ui/Page";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { createMeter, listMeters, type Meter } from "./api";
import { localDateTimeToIso, nowLocalDateTime } from "./time";

export function Meters() {
  const { t } = useI18n();
  const { group, canManage } = useGroup();
  const loaded = useLoad(() => listMeters(group.id), [group.id]);
  return (
    <Page title={t("meters.title")} actions={canManage ? (
      <span className="actions">
        <Link to={`/groups/${group.id}/review`} className="button secondary">{t("review.title")}</Link>
        <Link to={`/groups/${group.id}/import`} className="button secondary">{t("import.title")}</Link>
      </span>
    ) : null}>
      <LoadState loaded={loaded}>
        {(meters) => meters.length === 0 ? <p>{t("meters.empty")}</p> : (
          <ul className="cards">{meters.map((m) => <MeterCard key={m.id} meter={m} />)}</ul>
        )}
      </LoadState>
      {canManage ? <AddMeter onAdded={loaded.reload} /> : null}
    </Page>
  );
}

function MeterCard({ meter }: { meter: Meter }) {
  const { t, dateTime } = useI18n();
  const { group, nameOf } = useGroup();
  const queued = useQueuedReadings(meter.id);
  return (
    <li>
      <Link to={`/groups/${group.id}/meters/${meter.id}`}><strong>{meter.serial}</strong></Link>
      <span>{t(`meter.kind.${meter.kind}`)}{meter.participant_id ? ` · ${nameOf(meter.participant_id)}` : ""}{meter.removed_at ? ` · ${t("meter.removed")}` : ""}</span>
      <span>{meter.last_reading_at ? t("meter.lastReading", { at: dateTime(meter.last_reading_at, group.timezone) }) : t("meter.noReadings")}</span>
      {queued.length ? <span className="badge">{t("queue.count", { count: queued.length })}</span> : null}
    </li>
  );
}

function AddMeter({ onAdded }: { onAdded: () => void }) {
  const { t, parseNumber } = useI18n();
  const { group, members } = useGroup();
  const [serial, setSerial] = useState("");
  const [kind, setKind] = useState<"main" | "sub">("sub");
  const [participant, setParticipant] = useState(members[0]?.user_id ?? "");
  const [installed, setInstalled] = useState(nowLocalDateTime());
  const [initial, setInitial] = useState("0");
  const add = useAction(async () => {
    await createMeter(group.id, {
      serial: serial.trim(), kind, unit: group.unit, installed_at: localDateTimeToIso(installed),
      participant_id: kind === "sub" ? participant : null, initial_value: initial.trim() ? parseNumber(initial) ?? initial : null,
    });
    setSerial("");
    onAdded();
  });
  return (
    <section aria-labelledby="add-meter">
      <h2 id="add-meter">{t("meters.add")}</h2>
      <Form onSubmit={add.run} error={add.error} label={t("meters.add")}>
        <Field label={t("meter.serial")} required value={serial} onChange={(e) => setSerial(e.target.value)} error={add.fieldErrors.serial} />
        <SelectField label={t("meter.kind")} value={kind} onChange={(e) => setKind(e.target.value as "main" | "sub")}
          options={[["main", t("meter.kind.main")], ["sub", t("meter.kind.sub")]]} />
        {kind === "sub" ? (
          <SelectField label={t("meter.holder")} value={participant} onChange={(e) => setParticipant(e.target.value)}
            error={add.fieldErrors.participant_id} options={members.map((m) => [m.user_id, m.name])} />
        ) : null}
        <Field label={t("meter.installed")} type="datetime-local" value={installed} onChange={(e) => setInstalled(e.target.value)}
          error={add.fieldErrors.installed_at} />
        <Field label={t("meter.initial", { unit: group.unit })} inputMode="decimal" value={initial} onChange={(e) => setInitial(e.target.value)}
          error={add.fieldErrors.initial_value} />
        <Submit pending={add.pending}>{t("meters.add")}</Submit>
      </Form>
    </section>
  );
}
