import { useState } from "react";
import { useGroup } from "../groups/GroupContext";
import { useI18n } from "../i18n";
import { Field, SelectField } from "../ui/Field";
import { Form, Submit } from "../ui/Form";
import { LoadState } from "../ui/Page";
import { Notice } from "../ui/Status";
import { useAction } from "../ui/useAction";
import { useLoad } from "../ui/useLoad";
import { getTariff, setTariff, type Tariff } from "./api";

/** How the group is billed: from each invoice (amounts typed in) or from a tariff the bill-drafts job prices. */
export function TariffForm() {
  const { t } = useI18n();
  const { group } = useGroup();
  const loaded = useLoad(() => getTariff(group.id), [group.id]);
  return (
    <section aria-labelledby="tariff">
      <h2 id="tariff">{t("tariff.title")}</h2>
      <p>{t("tariff.intro")}</p>
      <LoadState loaded={loaded}>{(tariff) => <TariffFields tariff={tariff} reload={loaded.reload} />}</LoadState>
    </section>
  );
}

function TariffFields({ tariff, reload }: { tariff: Tariff; reload: () => void }) {
  const { t, parseNumber } = useI18n();
  const { group } = useGroup();
  // one flat price per unit for the group's single meter kind ("" in the API); tiered blocks stay as they are
  const blocks = (tariff.prices as Record<string, { price: string; up_to?: string | null }[] | undefined>)[""] ?? [];
  const firstPrice = blocks.length === 1 ? blocks[0]?.price : undefined;
  const [billedBy, setBilledBy] = useState(tariff.billed_by);
  const [price, setPrice] = useState(typeof firstPrice === "string" ? firstPrice : "");
  const [standing, setStanding] = useState(tariff.standing_charge ?? "");
  const [tax, setTax] = useState(tariff.tax_rate ?? "");
  const save = useAction(async () => {
    const number = (text: string) => (text.trim() ? parseNumber(text) ?? text : null);
    await setTariff(group.id, {
      billed_by: billedBy, version: tariff.version > 0 ? tariff.version : null,
      prices: billedBy === "tariff" && price ? { "": [{ price: number(price) ?? price }] } : {},
      standing_charge: number(standing), tax_rate: number(tax),
    });
    reload();
  });
  return (
    <Form onSubmit={save.run} error={save.error} label={t("tariff.title")}>
      {save.done ? <Notice>{t("status.saved")}</Notice> : null}
      <SelectField label={t("tariff.billedBy")} value={billedBy} onChange={(e) => setBilledBy(e.target.value as Tariff["billed_by"])}
        options={[["invoice", t("tariff.invoice")], ["tariff", t("tariff.tariff")]]} />
      {billedBy === "tariff" ? (
        <>
          <Field label={t("tariff.price", { unit: group.unit, currency: group.currency })} inputMode="decimal" value={price}
            onChange={(e) => setPrice(e.target.value)} error={save.fieldErrors["prices..0.price"] ?? save.fieldErrors.prices} />
          <Field label={t("tariff.standing", { currency: group.currency })} inputMode="decimal" value={standing}
            onChange={(e) => setStanding(e.target.value)} error={save.fieldErrors.standing_charge} />
          <Field label={t("tariff.tax")} inputMode="decimal" value={tax} onChange={(e) => setTax(e.target.value)}
            error={save.fieldErrors.tax_rate} hint={t("tariff.taxHint")} />
        </>
      ) : null}
      <Submit pending={save.pending}>{t("action.save")}</Submit>
    </Form>
  );
}
