import { useState } from "react";
import { useI18n } from "../i18n";
import { Checkbox, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { CHANNELS, loadPreferences, savePreferences, type Channel, type Preferences } from "./api";

/** The preferences the API offers today: channels, which reminders, quiet hours. */
export function NotificationPreferences() {
  const { t } = useI18n();
  const loaded = useLoad(loadPreferences, []);
  return (
    <section aria-labelledby="notifications">
      <h2 id="notifications">{t("notifications.title")}</h2>
      <LoadState loaded={loaded}>{(prefs) => <PreferencesForm initial={prefs} />}</LoadState>
    </section>
  );
}

const HOURS = Array.from({ length: 24 }, (_, h) => [String(h), `${String(h).padStart(2, "0")}:00`] as const);

function PreferencesForm({ initial }: { initial: Required<Preferences> }) {
  const { t } = useI18n();
  const [prefs, setPrefs] = useState(initial);
  const channels = prefs.channels ?? [];
  const toggle = (channel: Channel) =>
    setPrefs({ ...prefs, channels: channels.includes(channel) ? channels.filter((c) => c !== channel) : [...channels, channel] });
  const save = useAction(async () => savePreferences(prefs));
  return (
    <Form onSubmit={save.run} error={save.error}>
      {save.done ? <Notice>{t("status.saved")}</Notice> : null}
      <fieldset>
        <legend>{t("notifications.channels")}</legend>
        {CHANNELS.map((c) => <Checkbox key={c} label={t(`notifications.channel.${c}`)} checked={channels.includes(c)} onChange={() => toggle(c)} />)}
      </fieldset>
      <fieldset>
        <legend>{t("notifications.events")}</legend>
        <Checkbox label={t("notifications.readingReminders")} checked={prefs.reading_reminders ?? false}
          onChange={(e) => setPrefs({ ...prefs, reading_reminders: e.target.checked })} />
        <Checkbox label={t("notifications.paymentReminders")} checked={prefs.payment_reminders ?? false}
          onChange={(e) => setPrefs({ ...prefs, payment_reminders: e.target.checked })} />
      </fieldset>
      <fieldset>
        <legend>{t("notifications.quietHours")}</legend>
        <SelectField label={t("notifications.quietFrom")} value={String(prefs.quiet_hours_start ?? 21)} options={HOURS}
          onChange={(e) => setPrefs({ ...prefs, quiet_hours_start: Number(e.target.value) })} />
        <SelectField label={t("notifications.quietTo")} value={String(prefs.quiet_hours_end ?? 8)} options={HOURS}
          onChange={(e) => setPrefs({ ...prefs, quiet_hours_end: Number(e.target.value) })} />
      </fieldset>
      <Submit pending={save.pending}>{t("notifications.save")}</Submit>
    </Form>
  );
}
