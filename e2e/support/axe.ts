import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'

// axe-core through @axe-core/playwright, run the fastest way that still sees everything on the page.
// By default the library analyses each frame apart and merges their results in a blank page it
// opens for that (how it enters a frame of another origin, such as the dashboard's sandboxed
// preview): ~0.5 s a run on this kind of machine, most of each run. A page without frames has
// nothing to merge, so it is analysed in place (the library's legacy mode): the same rules over
// the same elements, without the blank page.

export interface AxeScope {
  /** A selector of the part to analyse; the whole page without. */
  include?: string
  /** A selector of a part to leave out. */
  exclude?: string
}

/** axe-core's full results for the page (or the part `scope` names). */
export async function axeResults(page: Page, scope: AxeScope = {}) {
  const builder = new AxeBuilder({ page })
  if (scope.include) builder.include(scope.include)
  if (scope.exclude) builder.exclude(scope.exclude)
  if (page.frames().length === 1) builder.setLegacyMode(true)
  return builder.analyze()
}

/** The violations of axe-core's results, one `rule: targets` line each; none is []. */
export function violationLines({ violations }: Awaited<ReturnType<typeof axeResults>>): string[] {
  return violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

/** axe-core's violations on the page (or the part `scope` names), as `violationLines` gives them. */
export async function axeViolations(page: Page, scope: AxeScope = {}): Promise<string[]> {
  return violationLines(await axeResults(page, scope))
}
