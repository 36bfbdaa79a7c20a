import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { formatDate, formatDateTime, formatMoney, formatNumber, formatPercent, formatPeriod, parseDecimal } from "../format/numbers";
import { de } from "./de";
import { en, type MessageKey } from "./en";

export const LOCALES = { en, de } as const;
export type Locale = keyof typeof LOCALES;
export const LOCALE_NAMES: Record<Locale, string> = { en: "English", de: "Deutsch" };

export function isLocale(value: string | null | undefined): value is Locale {
  return value !== null && value !== undefined && Object.hasOwn(LOCALES, value);
}

/** The best of our locales for a BCP 47 tag ("de-AT" -> "de"), English otherwise. */
export function pickLocale(tags: readonly string[]): Locale {
  for (const tag of tags) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLocale(base)) return base;
  }
  return "en";
}

/** `{name}` placeholders filled from params; a missing one stays visible rather than silently empty. */
export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template: string = LOCALES[locale][key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export interface I18n {
  locale: Locale;
  setLocale: (locale: Locale) => void;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  money: (amount: string, currency: string) => string;
  number: (value: string, digits?: number) => string;
  percent: (fraction: string) => string;
  date: (date: string) => string;
  dateTime: (instant: string, timeZone?: string) => string;
  period: (start: string, timeZone: string, granularity: "day" | "week" | "month") => string;
  parseNumber: (text: string) => string | null;
}

function makeI18n(locale: Locale, setLocale: (l: Locale) => void): I18n {
  return {
    locale,
    setLocale,
    t: (key, params) => translate(locale, key, params),
    money: (amount, currency) => formatMoney(amount, currency, locale),
    number: (value, digits) => formatNumber(value, locale, digits),
    percent: (fraction) => formatPercent(fraction, locale),
    date: (date) => formatDate(date, locale),
    dateTime: (instant, timeZone) => formatDateTime(instant, locale, timeZone),
    period: (start, timeZone, granularity) => formatPeriod(start, locale, timeZone, granularity),
    parseNumber: (text) => parseDecimal(text, locale),
  };
}

const I18nContext = createContext<I18n>(makeI18n("en", () => undefined));

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(() => pickLocale(navigator.languages));
  const value = useMemo(() => makeI18n(locale, setLocaleState), [locale]);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  return useContext(I18nContext);
}
