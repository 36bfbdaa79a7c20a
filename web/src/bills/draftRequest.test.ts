import { describe, expect, it } from "vitest";
import type { Member } from "../groups/api";
import { billRequest, complement, percentToFraction, type DraftForm } from "./draftRequest";

const member = (user_id: string, role: Member["role"]): Member => ({
  user_id, name: user_id, role, weights: { area: null, occupants: null, custom: null }, sub_meter_id: null, joined_at: "", version: 1,
});

const form: DraftForm = {
  from: "2026-11-01", to: "2026-11-30", title: "", total: "100,00", rule: "blend", consumptionPercent: "70",
  restKey: "area", payee: "utility", everyonePresent: false,
};

describe("the bill draft request", () => {
  it("turns percentages into exact fractions that add up to one", () => {
    expect(percentToFraction("70")).toBe("0.7");
    expect(percentToFraction("33.5")).toBe("0.335");
    expect(percentToFraction("100")).toBe("1");
    expect(percentToFraction("0")).toBe("0");
    expect(complement("0.7")).toBe("0.3");
    expect(complement("0.335")).toBe("0.665");
    expect(complement("1")).toBe("0");
  });

  it("asks for a 70 % consumption / 30 % area blend", () => {
    const body = billRequest(form, [], (t) => t.replace(",", "."));
    expect(body).toMatchObject({
      period: { from: "2026-11-01", to: "2026-11-30" }, total: "100.00", method: "blend", payee: "utility",
      parts: [{ method: "consumption", fraction: "0.7" }, { method: "weights", key: "area", fraction: "0.3" }],
    });
    expect(body.presence).toBeUndefined();
  });

  it("marks every paying member present for the whole period when asked, never a viewer", () => {
    const body = billRequest({ ...form, rule: "equal", everyonePresent: true }, [member("a", "owner"), member("v", "viewer")], (t) => t);
    expect(body.method).toBe("equal");
    expect(body.presence).toEqual({ a: [{ from: "2026-11-01", to: "2026-11-30" }] });
  });
});
