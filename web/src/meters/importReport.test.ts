import { describe, expect, it } from "vitest";
import { rowReport } from "./importReport";

describe("the CSV import's row-by-row report", () => {
  it("turns the API's field names into rows and columns, in row order", () => {
    expect(rowReport([
      { field: "rows[12].value", detail: "not a number" },
      { field: "rows[3].meter_serial", detail: "no such meter" },
      { field: "rows[7]", detail: "duplicate" },
      { field: "header", detail: "missing taken_at" },
    ])).toEqual([
      { row: null, column: "header", detail: "missing taken_at" },
      { row: 3, column: "meter_serial", detail: "no such meter" },
      { row: 7, column: null, detail: "duplicate" },
      { row: 12, column: "value", detail: "not a number" },
    ]);
  });
});
