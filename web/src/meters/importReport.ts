export interface RowProblem {
  row: number | null;
  column: string | null;
  detail: string;
}

/** The import's field errors (`rows[12].value`) as a row-by-row report, in row order. */
export function rowReport(errors: readonly { field: string; detail: string }[]): RowProblem[] {
  return errors
    .map(({ field, detail }) => {
      const match = /^rows\[(\d+)\](?:\.(\w+))?$/.exec(field);
      return match ? { row: Number(match[1]), column: match[2] ?? null, detail } : { row: null, column: field || null, detail };
    })
    .sort((a, b) => (a.row ?? -1) - (b.row ?? -1));
}
