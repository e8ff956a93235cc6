// Global Privacy Control in the config the server answers (SPEC §5): an opt-out of sale/sharing,
// so it refuses `marketing` and every category for ads, whatever the site named it.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { publishedConfig, type CatalogueInput, type PublishedConfig } from '@miniconsent/shared'
import type { AppDeps } from '../context'
import { ACME, startTestServer, type TestServer } from '../test-support'

const servers: TestServer[] = []
afterEach(() => servers.splice(0).forEach((t) => t.close()))

const env: AppDeps['env'] = {
  SECURE_COOKIES: 'auto',
  TRUSTED_REGION_HEADER: undefined,
  TRUST_PROXY: false,
  REGION_HEADERS: { country: 'cf-ipcountry', subdivision: 'cf-region-code' },
}
const CALIFORNIA = { 'CF-IPCountry': 'US', 'CF-Region-Code': 'CA' }
const AD_TYPES = ['ad_storage', 'ad_user_data', 'ad_personalization'] as const

/** ACME with these categories added, and a service in each. */
function start(categories: NonNullable<CatalogueInput['categories']>): TestServer {
  const t = startTestServer({ env }, [
    {
      settings: ACME.settings,
      catalogue: {
        ...ACME.catalogue,
        categories: [...ACME.catalogue.categories!, ...categories],
        services: [...ACME.catalogue.services!, ...categories.map((c) => ({ id: `${c.id}-tag`, category: c.id, name: c.id, provider: 'Ads Inc.' }))],
      },
    },
  ])
  mkdirSync(join(t.dir, 'sdk'))
  writeFileSync(join(t.dir, 'sdk', 'miniconsent.js'), 'window.__cfg = "__MINICONSENT_CONFIG__";\n')
  servers.push(t)
  return t
}

async function config(t: TestServer, headers: Record<string, string> = {}): Promise<PublishedConfig> {
  const res = await t.request('/api/v1/sites/acme/config', { headers })
  expect(res.status).toBe(200)
  return publishedConfig.parse(await res.json())
}

/** The ad types of a Consent Mode default command. */
const ads = (d: Record<string, unknown> | undefined) => Object.fromEntries(AD_TYPES.map((t) => [t, d?.[t]]))
const adsGranted = { ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted' }
const adsDenied = { ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' }

describe('GPC and an ad category not named marketing', () => {
  const advertising = { id: 'advertising', label: { en: 'Ads' }, consentMode: [...AD_TYPES] }

  it('refuses its ad types in the visitor’s own default under Sec-GPC: 1', async () => {
    const t = start([advertising])
    const [eea, own] = (await config(t, { ...CALIFORNIA, 'Sec-GPC': '1' })).consentModeDefaults!
    expect(ads(eea)).toEqual(adsDenied)
    expect(ads(own)).toEqual(adsDenied)
    // Only the ads: the rest of the opt-out grant stands.
    expect(own).toMatchObject({ analytics_storage: 'granted', security_storage: 'granted' })
    // Without the signal, the opt-out regions grant them.
    const [, ownNoGpc] = (await config(t, CALIFORNIA)).consentModeDefaults!
    expect(ads(ownNoGpc)).toEqual(adsGranted)
  })

  it('lists it for the SDK in the config and the per-site script, with or without the signal', async () => {
    const t = start([advertising])
    expect((await config(t, CALIFORNIA)).gpcCategories).toEqual(['advertising'])
    expect((await config(t, { ...CALIFORNIA, 'Sec-GPC': '1' })).gpcCategories).toEqual(['advertising'])
    const win: { __cfg?: unknown } = {}
    new Function('window', await (await t.request('/sdk/acme.js', { headers: { ...CALIFORNIA, 'Sec-GPC': '1' } })).text())(win)
    expect(publishedConfig.parse(win.__cfg).gpcCategories).toEqual(['advertising'])
  })

  it('refuses a category granting any one ad type, and marketing whatever it maps, in catalogue order', async () => {
    const t = start([
      { id: 'personalised-ads', label: { en: 'Personalised ads' }, consentMode: ['ad_personalization'] },
      { id: 'functional', label: { en: 'Functional' }, consentMode: ['functionality_storage', 'personalization_storage'] },
      { id: 'marketing', label: { en: 'Marketing' } },
      { id: 'conversions', label: { en: 'Conversions' }, consentMode: ['ad_user_data', 'analytics_storage'] },
    ])
    const c = await config(t, { ...CALIFORNIA, 'Sec-GPC': '1' })
    expect(c.gpcCategories).toEqual(['personalised-ads', 'marketing', 'conversions'])
    const own = c.consentModeDefaults!.at(-1)!
    // analytics_storage stays granted through ACME's analytics category; functional's types are not for sale.
    expect(own).toMatchObject({ ...adsDenied, analytics_storage: 'granted', functionality_storage: 'granted', personalization_storage: 'granted' })
  })

  it('lists no category, and refuses nothing, when the catalogue sells or shares nothing', async () => {
    const t = start([{ id: 'functional', label: { en: 'Functional' }, consentMode: ['functionality_storage'] }])
    const c = await config(t, { ...CALIFORNIA, 'Sec-GPC': '1' })
    expect(c.gpcCategories).toEqual([])
    expect(c.consentModeDefaults!.at(-1)).toMatchObject({ analytics_storage: 'granted', functionality_storage: 'granted' })
  })
})
