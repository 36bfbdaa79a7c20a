import { useState } from "react";
import { ApiError } from "../api/problem";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { Form, Submit } from "../ui/Form";
import { Page } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { importReadings } from "./api";
import { rowReport, type RowProblem } from "./importReport";

/** CSV import (meter_serial,value,taken_at): all rows or none; a refusal lists each row's problem. */
export function ImportReadings() {
  const { t } = useI18n();
  const { group } = useGroup();
  const [csv, setCsv] = useState("meter_serial,value,taken_at\n");
  const [result, setResult] = useState<{ imported: number; flagged: number; meters: number } | null>(null);
  const [rows, setRows] = useState<RowProblem[]>([]);
  const run = useAction(async () => {
    setResult(null);
    setRows([]);
    try {
      setResult(await importReadings(group.id, csv));
    } catch (error) {
      if (error instanceof ApiError) setRows(rowReport(error.problem.errors ?? []));
      throw error;
    }
  });
  const load = async (file: File | undefined) => { if (file) setCsv(await file.text()); };
  return (
    <Page title={t("import.title")}>
      <p>{t("import.intro")}</p>
      <Form onSubmit={run.run} error={run.error} label={t("import.title")}>
        <div className="field">
          <label htmlFor="csv-file">{t("import.file")}</label>
          <input id="csv-file" type="file" accept=".csv,text/csv" onChange={(e) => void load(e.target.files?.[0])} />
        </div>
        <div className="field">
          <label htmlFor="csv-text">{t("import.text")}</label>
          <textarea id="csv-text" rows={8} value={csv} onChange={(e) => setCsv(e.target.value)} spellCheck={false} />
        </div>
        <Submit pending={run.pending}>{t("import.submit")}</Submit>
      </Form>
      {result ? <Notice>{t("import.done", { imported: result.imported, meters: result.meters, flagged: result.flagged })}</Notice> : null}
      {rows.length ? (
        <table>
          <caption>{t("import.report")}</caption>
          <thead><tr><th scope="col">{t("import.row")}</th><th scope="col">{t("import.column")}</th><th scope="col">{t("import.problem")}</th></tr></thead>
          <tbody>{rows.map((r, i) => <tr key={i}><td className="num">{r.row ?? "—"}</td><td>{r.column ?? "—"}</td><td>{r.detail}</td></tr>)}</tbody>
        </table>
      ) : null}
    </Page>
  );
}
