/**
 * Numbers, money and dates through the browser's Intl for the chosen locale. Amounts stay decimal strings end to end
 * (the API's exact minor units): Intl formats a numeric string exactly, so no float ever rounds a cent.
 */
type Numeric = Intl.StringNumericLiteral;

export function formatMoney(amount: string, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(amount as Numeric);
}

export function formatNumber(value: string, locale: string, maximumFractionDigits = 3): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits }).format(value as Numeric);
}

/** A fraction such as "0.7" as a percentage ("70 %" in German). */
export function formatPercent(fraction: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 }).format(fraction as Numeric);
}

/** A calendar date "2026-01-31" (no time zone: it is a local date of the group). */
export function formatDate(date: string, locale: string): string {
  const [year, month, day] = date.slice(0, 10).split("-").map(Number);
  if (!year || !month || !day) return date;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(Date.UTC(year, month - 1, day));
}

/** An instant shown in a time zone (the group's or the person's). */
export function formatDateTime(instant: string, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(new Date(instant));
}

/** A chart period's short label: "Nov 26" for a month, "30 Nov" / "Nov 30" for a week or a day. */
export function formatPeriod(start: string, locale: string, timeZone: string, granularity: "day" | "week" | "month"): string {
  const options: Intl.DateTimeFormatOptions = granularity === "month" ? { month: "short", year: "2-digit" } : { month: "short", day: "numeric" };
  return new Intl.DateTimeFormat(locale, { ...options, timeZone }).format(new Date(start));
}

function separators(locale: string): { decimal: string; group: string } {
  const parts = new Intl.NumberFormat(locale).formatToParts(12345.6);
  return {
    decimal: parts.find((p) => p.type === "decimal")?.value ?? ".",
    group: parts.find((p) => p.type === "group")?.value ?? ",",
  };
}

/**
 * What a person typed ("1.234,5" in German, "1,234.5" or "12.5" in English, "12,5" from a German phone keypad) as the
 * API's decimal string ("1234.5"), or null when it is not a number. A lone separator of either kind, used once, is the
 * decimal point (keypads offer only one); the locale's group separator may group thousands.
 */
export function parseDecimal(text: string, locale: string): string | null {
  const { decimal, group } = separators(locale);
  let s = text.trim().replace(/[\s\u00a0\u202f']/g, "");
  const sign = s.startsWith("-") ? "-" : "";
  if (sign) s = s.slice(1);
  if (!s) return null;
  const dots = s.split(".").length - 1;
  const commas = s.split(",").length - 1;
  let integer: string;
  let fraction = "";
  if (dots > 0 && commas > 0) {
    const last = Math.max(s.lastIndexOf("."), s.lastIndexOf(","));
    if (s[last] !== decimal) return null;
    integer = s.slice(0, last).split(group).join("");
    fraction = s.slice(last + 1);
  } else if (dots + commas === 1) {
    const at = dots ? s.indexOf(".") : s.indexOf(",");
    const [head, tail] = [s.slice(0, at), s.slice(at + 1)];
    if (s[at] === group && s[at] !== decimal && tail.length === 3 && head.length > 0) integer = head + tail;
    else [integer, fraction] = [head, tail];
  } else if (dots + commas > 1) {
    const mark = dots ? "." : ",";
    if (mark !== group) return null;
    const groups = s.split(mark);
    if (groups.slice(1).some((g) => g.length !== 3)) return null;
    integer = groups.join("");
  } else {
    integer = s;
  }
  if (!/^\d*$/.test(integer) || !/^\d*$/.test(fraction) || (integer + fraction).length === 0) return null;
  const whole = integer.replace(/^0+(?=\d)/, "") || "0";
  return sign + whole + (fraction ? `.${fraction}` : "");
}

/** Sum of decimal strings without floats (minor units as BigInt at the largest scale seen). */
export function sumDecimals(values: string[]): string {
  const scale = Math.max(0, ...values.map((v) => (v.split(".")[1] ?? "").length));
  const total = values.reduce((acc, v) => acc + toScaled(v, scale), 0n);
  return fromScaled(total, scale);
}

function toScaled(value: string, scale: number): bigint {
  const negative = value.startsWith("-");
  const [i = "0", f = ""] = value.replace(/^[-+]/, "").split(".");
  const n = BigInt(i + f.padEnd(scale, "0"));
  return negative ? -n : n;
}

function fromScaled(n: bigint, scale: number): string {
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, "0");
  const body = scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return (negative ? "-" : "") + body;
}

export function isZero(value: string): boolean {
  return /^-?0*(\.0*)?$/.test(value);
}
