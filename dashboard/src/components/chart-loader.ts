// uPlot and its stylesheet, loaded with the analytics page only, not with the rest of the dashboard.
// A module of its own: the page's tests replace it (they check the tables, not the canvas), which
// a mock of the `uplot` package itself did not do reliably (Node resolves that package to its
// CommonJS build, Vite to its ES one, and some loads got the real uPlot).
import type uPlotType from 'uplot'

/**
 * uPlot's constructor; rejects when the browser gives no 2D canvas context (canvas blocked, or a
 * DOM without one): uPlot would then fail in a task of its own, where no catch reaches, and leave
 * an empty box. The chart says instead that the numbers are in its table.
 */
export async function loadUplot(): Promise<typeof uPlotType> {
  if (!document.createElement('canvas').getContext('2d')) throw new Error('This browser gives no 2D canvas context')
  const [{ default: uPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')])
  return uPlot
}
