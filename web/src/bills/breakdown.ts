import type { ShareLine } from "./api";

export type Basis = "consumption" | "area" | "occupants" | "custom" | "equal" | "fixed" | "other";

/** What a part's label ("consumption", "weights:area", "equal") measures, for the unit shown beside its numbers. */
export function basisOf(label: string): Basis {
  if (label === "consumption" || label.startsWith("consumption")) return "consumption";
  if (label === "equal") return "equal";
  if (label.startsWith("weights:")) {
    const key = label.slice("weights:".length);
    return key === "area" || key === "occupants" || key === "custom" ? key : "other";
  }
  if (label.startsWith("fixed")) return "fixed";
  return "other";
}

/** A share's line as stored on the bill; the API types issued lines loosely, so read them defensively. */
export function shareLines(lines: readonly unknown[]): ShareLine[] {
  return lines.filter((l): l is ShareLine => typeof l === "object" && l !== null && "amount" in l && "parts" in l);
}

/** Where the rounding went: +1 = this share got one more minor unit than its exact value, -1 one fewer. */
export function roundingDirection(rounding: number): "up" | "down" | "none" {
  return rounding > 0 ? "up" : rounding < 0 ? "down" : "none";
}
