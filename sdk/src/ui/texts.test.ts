import { describe, expect, it } from 'vitest'
import de from '../chunks/lang/de'
import fr from '../chunks/lang/fr'
import { minopaConfig } from '../test/fixtures'
import { builtInLanguage, resolveTexts } from './texts'
import { en } from './texts/en'

/** A German site that wrote its banner title in German and its preferences button in English. */
const german = () => {
  const config = minopaConfig()
  config.site = { ...config.site, defaultLanguage: 'de' }
  config.catalogue.texts = { de: { bannerTitle: 'Cookies bei Minopa' }, en: { preferences: 'Cookie Settings' } }
  return config
}

describe('the texts a visitor sees', () => {
  it('are built in in their own language, English too, before the site default language’s', () => {
    // English is in the banner chunk: no language chunk to load for an English visitor.
    expect(builtInLanguage('en-GB', 'de')).toBe('en')
    expect(builtInLanguage('fr', 'de')).toBe('fr')
    expect(builtInLanguage('sv', 'de')).toBe('de')
    expect(builtInLanguage('sv', 'sv')).toBeUndefined()

    const english = resolveTexts(german(), 'en-GB', undefined)
    // Before, an English visitor of a German site read the German built-in texts (and the site's
    // German ones) wherever the site had no English text.
    expect(english.bannerText).toBe(en.bannerText)
    expect(english.bannerTitle).toBe(en.bannerTitle)
    expect(english.preferences).toBe('Cookie Settings')

    // A French visitor: the French built-in texts over the site's German ones, as before.
    const french = resolveTexts(german(), 'fr', fr)
    expect([french.bannerTitle, french.bannerText]).toEqual([fr.bannerTitle, fr.bannerText])
    // A Swedish visitor (no built-in texts): the site's default language, its own texts and then the built-in ones.
    const swedish = resolveTexts(german(), 'sv', de)
    expect([swedish.bannerTitle, swedish.bannerText]).toEqual(['Cookies bei Minopa', de.bannerText])
    // A German visitor: the site's German text over the German built-in one.
    expect(resolveTexts(german(), 'de', de).bannerTitle).toBe('Cookies bei Minopa')
  })
})
