import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { de } from "./de";
import { en } from "./en";
import { LOCALES, pickLocale, translate } from "./index";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("every locale is complete", () => {
  it.each(Object.entries(LOCALES))("%s has exactly the English keys, none empty, with the same placeholders", (_, messages) => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(messages)) {
      expect(text.trim(), key).not.toBe("");
      expect(placeholders(text), key).toEqual(placeholders(en[key as keyof typeof en]));
    }
  });

  it("every key the source code names literally exists", () => {
    const root = join(import.meta.dirname, "..");
    const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? files(join(dir, entry.name)) : /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".test.ts") ? [join(dir, entry.name)] : []);
    const used = new Set<string>();
    for (const file of files(root)) {
      for (const match of readFileSync(file, "utf8").matchAll(/\bt\(\s*"([\w.]+)"/g)) used.add(match[1] ?? "");
    }
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((key) => !(key in en))).toEqual([]);
  });
});

describe("translate", () => {
  it("fills placeholders and keeps a missing one visible", () => {
    expect(translate("de", "settle.transfer", { from: "Bob", to: "Ann", amount: "26,50 €" })).toBe("Bob zahlt Ann 26,50 €");
    expect(translate("en", "queue.count", {})).toBe("{count} waiting to send");
  });

  it("keeps the accessible names the end-to-end tests rely on", () => {
    expect([en["field.email"], en["field.password"], en["signIn.submit"], en["reading.value"], en["reading.save"]])
      .toEqual(["Email", "Password", "Sign in", "Reading", "Save reading"]);
    expect(de["reading.value"]).toBe("Zählerstand");
  });

  it("picks the best supported locale from the browser's list", () => {
    expect(pickLocale(["de-AT", "en"])).toBe("de");
    expect(pickLocale(["fr-FR", "en-GB"])).toBe("en");
    expect(pickLocale(["fr"])).toBe("en");
  });
});
