/**
 * The results drawn as an SVG (ECharts' server-side renderer, no DOM needed): four panels of
 * horizontal bars, queue-core highlighted, each bar the median of the runs.
 */
import * as echarts from "echarts"
import type { ContenderResult, Results } from "./results.ts"

interface Panel {
  readonly scenario: string
  readonly title: string
  readonly value: (c: ContenderResult) => number
}

const PANELS: ReadonlyArray<Panel> = [
  { scenario: "drain", title: "Drain, messages/s (higher is better)", value: (c) => c.rate.median },
  { scenario: "drain-20ms", title: "Drain at 20 ms a request, messages/s", value: (c) => c.rate.median },
  {
    scenario: "drain",
    title: "Drain, CPU ms per 1,000 messages (lower is better)",
    value: (c) => c.cpuMsPer1k.median
  },
  { scenario: "send", title: "Send, messages/s", value: (c) => c.rate.median }
]

const OURS = "#d9480f"
const OTHERS = "#868e96"
const CEILING = "#ced4da"

export const chart = (results: Results): string => {
  const width = 1200
  const panelHeight = 300
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height: panelHeight * 2 + 40 })
  const panels = PANELS.map((panel) => ({
    panel,
    rows: [...(results.scenarios.find((s) => s.id === panel.scenario)?.contenders ?? [])].reverse()
  }))
  const position = (index: number) => ({
    left: index % 2 === 0 ? 250 : width / 2 + 250,
    width: width / 2 - 320,
    top: 60 + Math.floor(index / 2) * panelHeight,
    height: panelHeight - 90
  })
  chart.setOption({
    animation: false,
    backgroundColor: "#ffffff",
    textStyle: { fontFamily: "sans-serif" },
    title: panels.map(({ panel }, index) => ({
      text: panel.title,
      left: index % 2 === 0 ? 20 : width / 2 + 20,
      top: 20 + Math.floor(index / 2) * panelHeight,
      textStyle: { fontSize: 14 }
    })),
    grid: panels.map((_, index) => position(index)),
    xAxis: panels.map((_, index) => ({ type: "value", gridIndex: index })),
    yAxis: panels.map(({ rows }, index) => ({
      type: "category",
      gridIndex: index,
      data: rows.map((c) => c.name),
      axisLabel: { fontSize: 11 }
    })),
    series: panels.map(({ panel, rows }, index) => ({
      type: "bar",
      xAxisIndex: index,
      yAxisIndex: index,
      label: {
        show: true,
        position: "right",
        fontSize: 10,
        formatter: (p: { value: number }) => Math.round(p.value).toLocaleString("en")
      },
      data: rows.map((c) => ({
        value: panel.value(c),
        itemStyle: { color: c.role === "queue-core" ? OURS : c.role === "ceiling" ? CEILING : OTHERS }
      }))
    }))
  })
  const svg = chart.renderToSVGString()
  chart.dispose()
  return svg
}
