import { describe, expect, it } from 'vitest'
import { inLanguage, localize } from './localize'

describe('localize', () => {
  it('finds a text by its language tag in any case, as BCP 47 tags are case-insensitive', () => {
    expect(inLanguage({ 'pt-BR': 'Oi' }, 'pt-br')).toBe('Oi')
    expect(inLanguage({ 'pt-br': 'Oi' }, 'PT-BR')).toBe('Oi')
    expect(inLanguage({ pt: 'Olá' }, 'pt-br')).toBeUndefined()
    // What a visitor of pt-br reads of a site that wrote pt-BR, and what the dashboard shows as its fallback.
    expect(localize({ en: 'Hi', pt: 'Olá', 'pt-BR': 'Oi' }, 'pt-br', 'en')).toBe('Oi')
    expect(localize({ en: 'Hi', 'de-ch': 'Grüezi' }, 'ja', 'de-CH')).toBe('Grüezi')
  })
})
