import { useState } from "react";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { BarChart } from "../ui/BarChart";
import { Field, SelectField } from "../ui/Field";
import { LoadState, Page } from "../ui/Page";
import { useLoad } from "../ui/useLoad";
import { consumption, type ConsumptionChart } from "./api";
import { localDate } from "./time";

type Granularity = "day" | "week" | "month";

/** Consumption per period from the group's readings (interpolated, estimates marked), as a chart and a table. */
export function Usage() {
  const { t } = useI18n();
  const { group } = useGroup();
  const [from, setFrom] = useState(localDate(-365).slice(0, 8) + "01");
  const [to, setTo] = useState(localDate());
  const [granularity, setGranularity] = useState<Granularity>("month");
  const loaded = useLoad(() => consumption(group.id, from, to, granularity), [group.id, from, to, granularity]);
  return (
    <Page title={t("usage.title")}>
      <div className="inline-fields">
        <Field label={t("usage.from")} type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        <Field label={t("usage.to")} type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        <SelectField label={t("usage.per")} value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity)}
          options={[["day", t("usage.day")], ["week", t("usage.week")], ["month", t("usage.month")]]} />
      </div>
      <LoadState loaded={loaded}>{(chart) => <UsageChart chart={chart} />}</LoadState>
    </Page>
  );
}

function UsageChart({ chart }: { chart: ConsumptionChart }) {
  const { t, number, period } = useI18n();
  const { nameOf } = useGroup();
  const unit = chart.unit ?? "";
  const label = (start: string) => period(start, chart.timezone, chart.granularity as "day" | "week" | "month");
  const values = chart.total.values as string[];
  const totalOf = (i: number) => {
    const sum = chart.participants.reduce((acc, p) => acc + Number((p.values as string[])[i] ?? 0), 0);
    return Number(values[i] ?? 0) > 0 ? (values[i] ?? "0") : String(sum);
  };
  const bars = chart.periods.map((p, i) => ({
    label: label(p.start), value: totalOf(i),
    estimated: chart.participants.some((s) => s.estimated[i]) || (Number(values[i] ?? 0) > 0 && chart.total.estimated[i]),
  }));
  return (
    <>
      <BarChart title={t("usage.chart", { unit })} summary={t("usage.summary", { count: bars.length, unit })} bars={bars}
        format={(v) => number(v, 1)} estimatedLabel={t("chart.estimated")} />
      <table>
        <caption>{t("usage.table", { unit })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("usage.period")}</th>
            {chart.participants.map((p) => <th scope="col" key={p.participant_id}>{nameOf(p.participant_id)}</th>)}
            <th scope="col">{t("usage.total")}</th>
          </tr>
        </thead>
        <tbody>
          {chart.periods.map((p, i) => (
            <tr key={p.start}>
              <th scope="row">{label(p.start)}</th>
              {chart.participants.map((s) => (
                <td className="num" key={s.participant_id}>{number((s.values as string[])[i] ?? "0", 1)}{s.estimated[i] ? ` (${t("chart.estimatedShort")})` : ""}</td>
              ))}
              <td className="num">{number(totalOf(i), 1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="hint">{t("usage.estimatedNote")}</p>
    </>
  );
}
