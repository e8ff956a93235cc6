// The re-consent verdict's cost over many overridden revisions: counted, not timed. Every
// comparison the verdict makes goes through diff.ts, whose functions are wrapped here to count.
import { catalogue, catalogueDiff, type Catalogue } from '@miniconsent/shared'
import { describe, expect, it, vi, type Mock } from 'vitest'
import { revisions } from '../db/schema'
import { canonicalJson } from '../lib/canonical-json'
import { ACME, send, startWithEditors } from '../test-support'
import { sha256 } from './accounts'

const wrapped = vi.hoisted(() => new Map<string, Mock>())
vi.mock('./diff', async (importOriginal) => {
  const actual = await importOriginal<Record<string, unknown>>()
  for (const [name, f] of Object.entries(actual)) if (typeof f === 'function') wrapped.set(name, vi.fn(f as (...a: unknown[]) => unknown))
  return { ...actual, ...Object.fromEntries(wrapped) }
})

/** The diff.ts functions that compare two catalogues, or an item of two. */
const COMPARISONS = ['diffCatalogues', 'itemChanges'] as const

const acme = catalogue.parse(ACME.catalogue)

/**
 * The comparisons one GET …/diff makes, and its reasons, on a fresh server (no verdict kept from
 * another test) after revisions 2 to n + 1, each `version(i)` published over the verdict (as an
 * override of a verdict that asked stores them), with the draft `version(n + 1)`. They are
 * inserted straight away: hundreds of publishes through the API would spend the test's time in
 * requests, not in the verdict.
 */
async function comparisonsAfter(n: number, version: (i: number) => Catalogue) {
  const { t, editor } = await startWithEditors()
  try {
    for (let i = 1; i <= n; i++) {
      const json = canonicalJson(version(i))
      t.db
        .insert(revisions)
        .values({ siteId: 'acme', number: i + 1, catalogue: json, contentHash: sha256(json), needsConsent: false, verdictOverridden: true, publishedAt: new Date(), publishedBy: null })
        .run()
    }
    expect((await editor.request('/api/admin/sites/acme/catalogue/draft', send('PUT', { catalogue: version(n + 1) }))).status).toBe(200)
    const counted = COMPARISONS.map((name) => wrapped.get(name)).filter((f) => f !== undefined)
    for (const f of counted) f.mockClear()
    const d = catalogueDiff.parse(await (await editor.request('/api/admin/sites/acme/diff')).json())
    return { comparisons: counted.reduce((sum, f) => sum + f.mock.calls.length, 0), reasons: d.reasons }
  } finally {
    t.close()
  }
}

describe('the re-consent verdict after many overridden revisions', () => {
  it('makes comparisons in proportion to the revisions, not to their square, when each adds a service', async () => {
    const adding = (i: number): Catalogue => ({
      ...acme,
      services: [...acme.services, ...Array.from({ length: i }, (_, k) => ({ id: `s${k}`, category: 'analytics', name: `S${k}`, provider: `P${k}`, purpose: { en: `Purpose ${k}` } }))],
    })
    const once = await comparisonsAfter(30, adding)
    const twice = await comparisonsAfter(60, adding)
    // Every service but the draft's new one was let in by an override: only that one asks.
    expect(once.reasons).toEqual(['New service "S30" (s30) in category "analytics"'])
    expect(twice.reasons).toEqual(['New service "S60" (s60) in category "analytics"'])
    expect(twice.comparisons).toBeLessThanOrEqual(2.2 * once.comparisons)
  })

  it('makes comparisons in proportion to the revisions when each rewrites one purpose of a few services', async () => {
    const services = 5
    // Revision i rewrites service i mod 5: each service's text names the round it was last rewritten in.
    const rewriting = (i: number): Catalogue => ({
      ...acme,
      services: [
        ...acme.services,
        ...Array.from({ length: services }, (_, k) => ({ id: `s${k}`, category: 'analytics', name: `S${k}`, provider: `P${k}`, purpose: { en: `Purpose ${k}, round ${Math.floor((i - k + services - 1) / services)}` } })),
      ],
    })
    const once = await comparisonsAfter(30, rewriting)
    const twice = await comparisonsAfter(60, rewriting)
    // Each rewrite was overridden; the draft's own rewrite is the one reason.
    expect(once.reasons).toHaveLength(1)
    expect(twice.reasons).toHaveLength(1)
    expect(twice.comparisons).toBeLessThanOrEqual(2.2 * once.comparisons)
  })
})
