import { useMemo } from "react";
import { useI18n } from "../i18n";
import { SelectField } from "../ui/Field";

/** Every IANA time zone the browser knows, with the given one first if it is not among them. */
export function TimeZoneField({ value, onChange, error }: {
  value: string;
  onChange: (e: { target: { value: string } }) => void;
  error?: string | undefined;
}) {
  const { t } = useI18n();
  const zones = useMemo(() => {
    const known = Intl.supportedValuesOf("timeZone");
    const all = known.includes(value) ? known : [value, ...known];
    return all.map((zone) => [zone, zone.replaceAll("_", " ")] as const);
  }, [value]);
  return <SelectField label={t("field.timezone")} value={value} onChange={onChange} options={zones} error={error} />;
}
