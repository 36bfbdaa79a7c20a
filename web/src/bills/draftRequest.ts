import type { Member } from "../groups/api";
import type { BillCreate } from "./api";

export const RULES = ["consumption", "equal", "area", "occupants", "blend"] as const;
export type Rule = (typeof RULES)[number];

export interface DraftForm {
  from: string;
  to: string;
  title: string;
  total: string;
  rule: Rule;
  /** Blend: the consumption part in percent; the rest goes by `restKey`. */
  consumptionPercent: string;
  restKey: "area" | "occupants" | "equal";
  payee: string;
  /** Everyone paying was there the whole period (a group set up after the fact: overrides the membership history). */
  everyonePresent: boolean;
}

function part(key: DraftForm["restKey"], fraction: string) {
  return key === "equal" ? { method: "equal" as const, fraction } : { method: "weights" as const, key, fraction };
}

/** Percent "70" as the exact fraction "0.7" (string arithmetic: no float). */
export function percentToFraction(percent: string): string {
  const [whole = "0", decimals = ""] = percent.split(".");
  const digits = (whole.padStart(3, "0") + decimals).replace(/^0+(?=\d)/, "");
  const scale = decimals.length + 2;
  const padded = digits.padStart(scale + 1, "0");
  const fraction = `${padded.slice(0, -scale)}.${padded.slice(-scale)}`.replace(/\.?0+$/, "");
  return fraction || "0";
}

/** 1 - fraction, exactly, for fractions with up to 12 decimals. */
export function complement(fraction: string): string {
  const scale = 12;
  const [i = "0", f = ""] = fraction.split(".");
  const n = BigInt(i + f.padEnd(scale, "0"));
  const rest = (10n ** BigInt(scale) - n).toString().padStart(scale + 1, "0");
  return `${rest.slice(0, -scale)}.${rest.slice(-scale)}`.replace(/\.?0+$/, "") || "0";
}

/** The draft form as the API's bill request: one line split by the chosen rule or a blend. */
export function billRequest(form: DraftForm, members: Member[], parse: (text: string) => string | null): BillCreate {
  const body: BillCreate = {
    period: { from: form.from, to: form.to },
    total: parse(form.total) ?? form.total,
    title: form.title.trim() || null,
    payee: form.payee,
  };
  if (form.rule === "consumption" || form.rule === "equal") body.method = form.rule;
  else if (form.rule === "area" || form.rule === "occupants") Object.assign(body, { method: "weights", key: form.rule });
  else {
    const consumption = percentToFraction(parse(form.consumptionPercent) ?? form.consumptionPercent);
    Object.assign(body, { method: "blend", parts: [{ method: "consumption", fraction: consumption }, part(form.restKey, complement(consumption))] });
  }
  if (form.everyonePresent) {
    body.presence = Object.fromEntries(
      members.filter((m) => m.role !== "viewer").map((m) => [m.user_id, [{ from: form.from, to: form.to }]]),
    );
  }
  return body;
}
