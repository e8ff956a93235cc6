import { describe, expect, it } from 'vitest'
import { catalogue, safeUrl, storageEntry } from './catalogue'

const base = {
  categories: [
    { id: 'essential', required: true, label: { en: 'Essential' } },
    { id: 'analytics', label: { en: 'Analytics' }, consentMode: ['analytics_storage'] },
  ],
  services: [{ id: 'sentry', category: 'analytics', name: 'Sentry', provider: 'Functional Software' }],
  entries: [{ name: 'sentry-*', category: 'analytics', service: 'sentry', provider: 'Sentry', purpose: { en: 'Errors' }, expiry: 'session' }],
}

describe('catalogue schema', () => {
  it('accepts a catalogue with a wildcard cookie and fills defaults', () => {
    const parsed = catalogue.parse(base)
    expect(parsed.entries[0]?.kind).toBe('cookie')
    expect(parsed.appearance.layout).toBe('bar')
    expect(parsed.categories[1]?.required).toBe(false)
  })

  it('names the dangling reference when a service points at a missing category', () => {
    const result = catalogue.safeParse({ ...base, services: [{ ...base.services[0], category: 'marketing' }] })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.message).toBe('no category "marketing"')
  })

  it('rejects javascript: links and unreadable expiries', () => {
    expect(safeUrl.safeParse('javascript:alert(1)').success).toBe(false)
    expect(safeUrl.safeParse('https://minopa.com/privacy').success).toBe(true)
    expect(storageEntry.safeParse({ ...base.entries[0], expiry: 'two years' }).success).toBe(false)
    expect(storageEntry.safeParse({ ...base.entries[0], expiry: '2y' }).success).toBe(true)
  })
})
