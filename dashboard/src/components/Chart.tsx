// A uPlot chart. uPlot draws on a canvas, so the chart is a picture for sighted users only
// (role=img with a summary); every chart's numbers are also given as a table next to it.
import { useEffect, useRef, useState } from 'preact/hooks'
import type uPlotType from 'uplot'
import { loadUplot } from './chart-loader'

export interface ChartSeries {
  label: string
  values: Array<number | null>
  color: string
  /** Dash pattern, so series differ by more than colour alone (WCAG 1.4.1). */
  dash?: number[]
}

interface Props {
  /** Accessible summary of the picture. */
  label: string
  /** Category names on the x axis (days, categories, regions, revisions). */
  x: string[]
  series: ChartSeries[]
  kind: 'lines' | 'bars' | 'stacked'
  /** Unit of the y axis, e.g. "%". */
  unit?: string
  height?: number
  /** Name of the x axis in the legend, e.g. "Day". */
  xLabel?: string
}

/**
 * A line chart writes the label of every step-th point only: one for each day of a month would
 * overlap on a phone. Bars keep all theirs: their names follow no order that would let a missing
 * one be guessed. Estimated from the labels' length in uPlot's 12px axis font, less the y axis.
 */
function labelStep(x: string[], width: number): number {
  const labelWidth = Math.max(0, ...x.map((l) => l.length)) * 7 + 16
  return Math.max(1, Math.ceil((x.length * labelWidth) / Math.max(1, width - 56)))
}

export function Chart({ label, x, series, kind, unit = '', height = 260, xLabel = '' }: Props) {
  const box = useRef<HTMLDivElement>(null)
  const [failed, setFailed] = useState(false)

  useEffect(() => {
    const el = box.current
    if (!el || x.length === 0) return
    let plot: uPlotType | null = null
    let observer: ResizeObserver | null = null
    let cancelled = false
    loadUplot()
      .then((uPlot) => {
        if (cancelled) return
        const width = Math.max(280, el.clientWidth)
        const bars = kind === 'lines' ? undefined : uPlot.paths.bars?.({ size: [0.6, 80] })
        // Stacked bars: each series is drawn up to the sum of itself and those before it, the
        // tallest first so the shorter ones paint over it; the legend still shows each own value.
        const drawn =
          kind === 'stacked'
            ? series
                .map((s, i) => ({
                  ...s,
                  own: s.values,
                  values: s.values.map((_, j) => series.slice(0, i + 1).reduce((sum, t) => sum + (t.values[j] ?? 0), 0)),
                }))
                .reverse()
            : series.map((s) => ({ ...s, own: s.values }))
        const options: uPlotType.Options = {
          width,
          height,
          legend: { show: true },
          cursor: { drag: { x: false, y: false } },
          scales: { x: { time: false, range: [-0.5, x.length - 0.5] }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(max, kind === 'stacked' ? 100 : 1)] } },
          axes: [
            {
              values: (u, ticks) => {
                const step = kind === 'lines' ? labelStep(x, u.width) : 1
                return ticks.map((t) => (Number.isInteger(t) && t % step === 0 ? (x[t] ?? '') : ''))
              },
              splits: () => x.map((_, i) => i),
              gap: 6,
            },
            { values: (_u, ticks) => ticks.map((t) => `${t}${unit}`), size: 56 },
          ],
          series: [
            { label: xLabel, value: (_u, v) => (v == null ? '' : (x[v] ?? '')) },
            ...drawn.map((s) => ({
              label: s.label,
              stroke: s.color,
              fill: bars ? s.color : undefined,
              width: 2,
              dash: s.dash,
              points: { show: kind === 'lines' },
              value: (u: uPlotType, _v: number | null, _si: number, idx: number | null) => {
                void u
                const own = idx == null ? null : s.own[idx]
                return own == null ? '—' : `${Math.round(own * 10) / 10}${unit}`
              },
              ...(bars ? { paths: bars } : {}),
            })),
          ],
        }
        const data: uPlotType.AlignedData = [x.map((_, i) => i), ...drawn.map((s) => s.values)]
        plot = new uPlot(options, data, el)
        observer = new ResizeObserver(() => plot?.setSize({ width: Math.max(280, el.clientWidth), height }))
        observer.observe(el)
      })
      .catch(() => !cancelled && setFailed(true))
    return () => {
      cancelled = true
      observer?.disconnect()
      plot?.destroy()
    }
  }, [JSON.stringify({ x, series, kind, unit, xLabel })])

  if (x.length === 0) return null
  if (failed) return <p class="muted">The chart could not be drawn; the numbers are in the table.</p>
  return <div class="chart" role="img" aria-label={label} ref={box} />
}
