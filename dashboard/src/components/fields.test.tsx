import { catalogue, siteSettings } from '@miniconsent/shared'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { issuesByPath } from './fields'

const issuesOf = (schema: z.ZodType, value: unknown) => issuesByPath(schema.safeParse(value).error?.issues ?? [])

describe('issuesByPath', () => {
  it('puts zod’s own wording in the page’s, and keeps what a rule says itself', () => {
    const form = z.object({
      title: z.string().min(1),
      code: z.string().min(3).max(5),
      radius: z.number().int().min(0).max(32),
      count: z.number(),
      tags: z.array(z.string()).min(1),
      layout: z.enum(['bar', 'box']),
      path: z.string().startsWith('/'),
      colour: z.string().regex(/^#[0-9a-f]{6}$/),
      accent: z.string().regex(/^#[0-9a-f]{6}$/, 'use a colour like #1a73e8'),
      agreed: z.boolean().refine((v) => v),
    })
    const issues = issuesOf(form, { title: '', code: 'ab', radius: 40, count: 'many', tags: [], layout: 'round', path: 'shop', colour: 'teal', accent: 'teal', agreed: false })
    expect(issues).toEqual({
      title: 'Enter a value',
      code: 'Use at least 3 characters',
      radius: 'Use 32 or less',
      count: 'Enter a number',
      tags: 'Add at least one',
      layout: 'Choose one of: bar, box',
      path: 'Start it with “/”',
      colour: 'This is not in the expected form',
      accent: 'use a colour like #1a73e8',
      agreed: 'This value is not valid',
    })
    expect(issuesOf(form.shape.code, 'abcdef')).toEqual({ '': 'Use at most 5 characters' })
    expect(issuesOf(form.shape.radius, 1.5)).toEqual({ '': 'Enter a whole number' })
    expect(issuesOf(form.shape.radius, -1)).toEqual({ '': 'Use 0 or more' })
    expect(issuesOf(form.shape.title, undefined)).toEqual({ '': 'Enter a value' })
  })

  it('leaves no library text in a catalogue’s or the settings’ messages', () => {
    const issues = {
      ...issuesOf(catalogue, {
        categories: [{ id: 'essential', required: true, label: { en: 'Essential' } }],
        services: [{ id: 'x', category: 'essential', name: 'n'.repeat(201), provider: 'p' }],
        texts: { German: { bannerTitle: 'Hallo' } },
        appearance: { radius: 33 },
      }),
      ...issuesOf(siteSettings, { id: 'acme', name: 'Acme', cookieLifetimeDays: 0 }),
    }
    expect(issues).toEqual({
      'services.0.name': 'Use at most 200 characters: this text has 201',
      // A record's key: what the key's own rule says.
      'texts.German': 'use a BCP 47 language tag such as "en" or "pt-BR"',
      'appearance.radius': 'Use 32 or less',
      cookieLifetimeDays: 'Use 1 or more',
    })
    for (const message of Object.values(issues)) expect(message).not.toMatch(/Too (small|big)|Invalid|expected/)
  })

  it('keeps the server’s messages as they are, the first per path', () => {
    expect(
      issuesByPath([
        { path: 'entries.0.domain', message: 'not a domain of this site' },
        { path: 'entries.0.domain', message: 'a second problem' },
        { path: 'services.1.category', message: 'no category "nope"' },
      ]),
    ).toEqual({ 'entries.0.domain': 'not a domain of this site', 'services.1.category': 'no category "nope"' })
  })
})
