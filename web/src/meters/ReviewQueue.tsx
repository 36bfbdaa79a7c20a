import { useState } from "react";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { Field } from "../ui/Field";
import { LoadState, Page } from "../ui/Page";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { listMeters, reviewQueue, reviewReading, type Reading } from "./api";

/** Admins: readings flagged as implausible, oldest first, to accept or reject (a rejected one is kept, not counted). */
export function ReviewQueue() {
  const { t } = useI18n();
  const { group } = useGroup();
  const loaded = useLoad(async () => {
    const [readings, meters] = await Promise.all([reviewQueue(group.id), listMeters(group.id)]);
    return { readings, serialOf: new Map(meters.map((m) => [m.id, m.serial])) };
  }, [group.id]);
  return (
    <Page title={t("review.title")}>
      <p>{t("review.intro")}</p>
      <LoadState loaded={loaded}>
        {({ readings, serialOf }) => readings.length === 0 ? <p>{t("review.empty")}</p> : (
          <ul className="cards">
            {readings.map((r) => <Flagged key={r.id} reading={r} serial={serialOf.get(r.meter_id) ?? r.meter_id} onDone={loaded.reload} />)}
          </ul>
        )}
      </LoadState>
    </Page>
  );
}

function Flagged({ reading, serial, onDone }: { reading: Reading; serial: string; onDone: () => void }) {
  const { t, number, dateTime } = useI18n();
  const { group } = useGroup();
  const [note, setNote] = useState("");
  const decide = useAction(async (decision: "accept" | "reject") => {
    await reviewReading(group.id, reading, decision, note.trim() || null);
    onDone();
  });
  return (
    <li>
      <strong>{serial}: {number(reading.value)}</strong>
      <span>{dateTime(reading.taken_at, group.timezone)}</span>
      <span>{reading.flag_reason}</span>
      {decide.error ? <p role="alert" className="alert">{decide.error}</p> : null}
      <Field label={t("review.note", { serial })} value={note} onChange={(e) => setNote(e.target.value)} />
      <div className="actions">
        <button type="button" onClick={() => void decide.run("accept")} disabled={decide.pending}>{t("review.accept")}</button>
        <button type="button" className="danger" onClick={() => void decide.run("reject")} disabled={decide.pending}>{t("review.reject")}</button>
      </div>
    </li>
  );
}
