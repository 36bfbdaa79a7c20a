import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, formatPeriod, formatNumber, formatPercent, isZero, parseDecimal, sumDecimals } from "./numbers";

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("money and numbers through Intl", () => {
  it("formats a decimal string exactly in each locale", () => {
    expect(formatMoney("1234.56", "EUR", "en")).toBe("€1,234.56");
    expect(nbsp(formatMoney("1234.56", "EUR", "de"))).toBe("1.234,56 €");
    expect(nbsp(formatMoney("-26.50", "EUR", "de"))).toBe("-26,50 €");
    expect(formatMoney("1000", "JPY", "en")).toBe("¥1,000");
  });

  it("never rounds through a float", () => {
    // 0.1 + 0.2 as floats is 0.30000000000000004; the string stays exact
    expect(formatMoney("90071992547409.93", "EUR", "en")).toBe("€90,071,992,547,409.93");
    expect(sumDecimals(["0.10", "0.20"])).toBe("0.30");
  });

  it("formats quantities, percentages and dates for the locale", () => {
    expect(formatNumber("1234.5", "de")).toBe("1.234,5");
    expect(nbsp(formatPercent("0.7", "de"))).toBe("70 %");
    expect(formatPercent("0.3", "en")).toBe("30%");
    expect(formatDate("2026-01-31", "en")).toBe("Jan 31, 2026");
    expect(formatDate("2026-01-31", "de")).toBe("31.01.2026");
    // a Berlin month starts at 23:00 UTC the day before: the label is the local month
    expect(formatPeriod("2026-10-31T23:00:00Z", "en", "Europe/Berlin", "month")).toBe("Nov 26");
    expect(formatPeriod("2026-10-31T23:00:00Z", "de", "Europe/Berlin", "day")).toBe("1. Nov.");
  });
});

describe("parseDecimal: what a person types becomes the API's decimal string", () => {
  it.each([
    ["12,5", "de", "12.5"],
    ["12.5", "de", "12.5"],
    ["1.234,5", "de", "1234.5"],
    ["1.234", "de", "1234"],
    ["12,5", "en", "12.5"],
    ["1,234.5", "en", "1234.5"],
    ["1,234", "en", "1234"],
    ["007.10", "en", "7.10"],
    [" 42 ", "en", "42"],
    ["-3.5", "en", "-3.5"],
    ["1 234,5", "de", "1234.5"],
  ])("%s in %s is %s", (text, locale, expected) => {
    expect(parseDecimal(text, locale)).toBe(expected);
  });

  it.each(["", "abc", "1.2.3,4,5", "1,2,3", "12a", ",", "1.234.5"])("rejects %j", (text) => {
    expect(parseDecimal(text, "en")).toBeNull();
  });
});

describe("exact sums", () => {
  it("adds balances to zero without floats", () => {
    expect(sumDecimals(["47.00", "-26.50", "-20.50"])).toBe("0.00");
    expect(isZero(sumDecimals(["47.00", "-26.50", "-20.50"]))).toBe(true);
    expect(isZero("0.01")).toBe(false);
    expect(sumDecimals(["-0.05", "0.02"])).toBe("-0.03");
  });
});
