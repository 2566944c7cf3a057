/** Plain-text tables for people: columns padded to their widest cell, numbers right-aligned. */
import { Text } from "@bgcheck/app-kit"

export type Cell = string | number

const isNumber = (cell: Cell) => typeof cell === "number"

export const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<Cell>>): string => {
  const text = rows.map((row) => row.map((cell) => (isNumber(cell) ? cell.toLocaleString("en") : cell)))
  const widths = head.map((title, column) =>
    Math.max(title.length, ...text.map((row) => (row[column] ?? "").length))
  )
  const line = (cells: ReadonlyArray<string>, numeric: ReadonlyArray<boolean>) =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)
      )
      .join("  ")
      .trimEnd()
  const numericColumns = head.map(
    (_, column) => rows.length > 0 && rows.every((row) => isNumber(row[column] ?? ""))
  )
  return [line(head, numericColumns), ...text.map((row) => line(row, numericColumns))].join("\n")
}

/** A body shown on one line: control characters escaped (as the consumer prints them), cut at `width` characters. */
export const oneLine = (body: string, width = 60): string => {
  const escaped = Text.escapeControl(body)
  return escaped.length <= width ? escaped : `${escaped.slice(0, width - 1)}…`
}
