import { TimeZoneField } from "../accounts/TimeZoneField";
import type { BodyOf } from "../api/client";
import { useI18n } from "../i18n";
import { Field, SelectField } from "../ui/Field";

export type GroupFormValues = Required<Omit<BodyOf<"post", "/groups">, "billing_cycle_days">> & { billing_cycle_days: number | null };

export const UTILITIES = ["electricity", "water", "gas", "heat", "other"] as const;
export const UNIT_FOR: Record<(typeof UTILITIES)[number], string> = { electricity: "kWh", water: "m³", gas: "m³", heat: "kWh", other: "" };
const CURRENCIES = ["EUR", "CHF", "GBP", "USD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "JPY", "CAD", "AUD"];
const CYCLES = ["monthly", "quarterly", "custom"] as const;
const KEYS = ["consumption", "equal", "area", "occupants", "custom"] as const;

export function emptyGroup(): GroupFormValues {
  return {
    name: "", utility_type: "electricity", unit: "kWh", currency: "EUR", billing_cycle: "monthly", billing_cycle_days: null,
    default_allocation_key: "consumption", reading_window_days: 3, payment_terms_days: 14,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}

/** The settings a group is created with and later changes: utility, unit, currency, zone, cycle, window, terms. */
export function GroupFields({ values, onChange, errors }: {
  values: GroupFormValues;
  onChange: (values: GroupFormValues) => void;
  errors: Record<string, string>;
}) {
  const { t } = useI18n();
  const set = <K extends keyof GroupFormValues>(field: K, value: GroupFormValues[K]) => onChange({ ...values, [field]: value });
  const currencies = CURRENCIES.includes(values.currency) ? CURRENCIES : [values.currency, ...CURRENCIES];
  return (
    <>
      <Field label={t("group.name")} required value={values.name} onChange={(e) => set("name", e.target.value)} error={errors.name} />
      <SelectField label={t("group.utility")} value={values.utility_type} error={errors.utility_type}
        onChange={(e) => {
          const utility = e.target.value as GroupFormValues["utility_type"];
          onChange({ ...values, utility_type: utility, unit: UNIT_FOR[utility] || values.unit });
        }}
        options={UTILITIES.map((u) => [u, t(`utility.${u}`)])} />
      <Field label={t("group.unit")} required value={values.unit} onChange={(e) => set("unit", e.target.value)} error={errors.unit} />
      <SelectField label={t("group.currency")} value={values.currency} onChange={(e) => set("currency", e.target.value)}
        error={errors.currency} options={currencies.map((c) => [c, c])} />
      <TimeZoneField value={values.timezone} onChange={(e) => set("timezone", e.target.value)} error={errors.timezone} />
      <SelectField label={t("group.cycle")} value={values.billing_cycle} error={errors.billing_cycle}
        onChange={(e) => set("billing_cycle", e.target.value as GroupFormValues["billing_cycle"])}
        options={CYCLES.map((c) => [c, t(`cycle.${c}`)])} />
      {values.billing_cycle === "custom" ? (
        <Field label={t("group.cycleDays")} type="number" inputMode="numeric" min={1} value={values.billing_cycle_days ?? ""}
          onChange={(e) => set("billing_cycle_days", e.target.value ? Number(e.target.value) : null)} error={errors.billing_cycle_days} />
      ) : null}
      <SelectField label={t("group.key")} value={values.default_allocation_key} error={errors.default_allocation_key}
        onChange={(e) => set("default_allocation_key", e.target.value as GroupFormValues["default_allocation_key"])}
        options={KEYS.map((k) => [k, t(`key.${k}`)])} />
      <Field label={t("group.window")} type="number" inputMode="numeric" min={0} value={values.reading_window_days}
        onChange={(e) => set("reading_window_days", Number(e.target.value))} error={errors.reading_window_days} hint={t("group.windowHint")} />
      <Field label={t("group.terms")} type="number" inputMode="numeric" min={0} value={values.payment_terms_days}
        onChange={(e) => set("payment_terms_days", Number(e.target.value))} error={errors.payment_terms_days} />
    </>
  );
}
