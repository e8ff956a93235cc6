import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import de from '../chunks/lang/de'
import fr from '../chunks/lang/fr'
import pt from '../chunks/lang/pt'
import { minopaConfig } from '../test/fixtures'
import { builtInLanguage, LANGUAGES, resolveTexts } from './texts'
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

    // The banner passes the English built-in texts (in its chunk) as an English visitor's own.
    const english = resolveTexts(german(), 'en-GB', en)
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
    // The French texts failed to load: the site's own (German) texts stay, not English ones.
    const unloaded = resolveTexts(german(), 'fr', undefined)
    expect([unloaded.bannerTitle, unloaded.bannerText]).toEqual(['Cookies bei Minopa', en.bannerText])
  })

  it('of a site whose default is their language in another region are the site’s own', () => {
    const config = minopaConfig()
    config.site = { ...config.site, defaultLanguage: 'en-GB' }
    config.catalogue.texts = { 'en-GB': { bannerTitle: 'We use cookies, love' } }
    expect(builtInLanguage('en-US', 'en-GB')).toBe('en')
    expect(resolveTexts(config, 'en-US', en).bannerTitle).toBe('We use cookies, love')
    // A Brazilian site's Portuguese visitor from Portugal: the site's pt-BR texts over the built-in pt ones.
    config.site = { ...config.site, defaultLanguage: 'pt-BR' }
    config.catalogue.texts = { 'pt-BR': { bannerTitle: 'Usamos cookies no site' } }
    expect(resolveTexts(config, 'pt-PT', pt).bannerTitle).toBe('Usamos cookies no site')
    // Its Japanese visitor (no built-in texts): the built-in Portuguese ones under the site's pt-BR
    // texts. Before, the region in `pt-BR` matched no built-in language, and every key the site
    // had not written came in English beside its Portuguese title.
    expect(builtInLanguage('ja', 'pt-BR')).toBe('pt')
    const japanese = resolveTexts(config, 'ja', pt)
    expect([japanese.bannerTitle, japanese.bannerText, japanese.acceptAll]).toEqual(['Usamos cookies no site', pt.bannerText, pt.acceptAll])
    expect(pt.acceptAll).not.toBe(en.acceptAll)
  })

  it('are the site’s in their language tag however either spells its case (pt-br, pt-BR)', () => {
    const config = minopaConfig()
    config.site = { ...config.site, defaultLanguage: 'de-CH' }
    config.catalogue.texts = { 'pt-BR': { bannerTitle: 'Usamos cookies no Brasil' }, 'de-ch': { bannerTitle: 'Cookies bei Minopa Schweiz' } }
    expect(resolveTexts(config, 'pt-br', pt).bannerTitle).toBe('Usamos cookies no Brasil')
    // The site default as the site spelt it in the settings, its texts as it spelt them there.
    expect(resolveTexts(config, 'ja', de).bannerTitle).toBe('Cookies bei Minopa Schweiz')
  })

  it('are built in for exactly the languages that have a table (each table is a chunk the build makes)', () => {
    const tables = readdirSync(new URL('../chunks/lang', import.meta.url)).map((f) => f.replace(/\.ts$/, ''))
    expect([...LANGUAGES].sort()).toEqual(['en', ...tables].sort())
  })
})
