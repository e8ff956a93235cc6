// Regions and the consent mode in force there (SPEC §6). Plain data and functions, no zod: the
// SDK may import this file (`@miniconsent/shared/regions`) without pulling a schema library in.

export const REGION_MODES = ['opt-in', 'opt-out', 'notice'] as const
export type RegionMode = (typeof REGION_MODES)[number]

/**
 * An ISO 3166-1 alpha-2 country (`DE`) or an ISO 3166-2 subdivision (`US-CA`, `GB-SCT`, `JP-13`).
 * Upper case only: callers normalise with `normalizeRegion` first.
 */
export const REGION_CODE_PATTERN = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/

/**
 * The 249 countries and territories of ISO 3166-1 alpha-2, and `XK` (Kosovo: user-assigned in the
 * standard, reported by Cloudflare and MaxMind), as geolocation reports them. A region setting
 * naming another (`UK`, `EL`, `EU`) would never match a visitor. Marked pure: a bundle that
 * imports this file without using the list (the SDK may) leaves it out.
 */
export const ISO_COUNTRIES: ReadonlySet<string> = /* @__PURE__ */ new Set(
  ('AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ ' +
    'BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR ' +
    'CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ' +
    'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ ' +
    'LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ ' +
    'MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF ' +
    'PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI ' +
    'SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR ' +
    'TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW').split(' '),
)

/** The 27 member states. Greece is `GR` in ISO 3166 (the EU's own `EL` is not a valid code). */
export const EU_COUNTRIES = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE',
  'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE',
] as const

/** The EU plus Iceland, Liechtenstein and Norway, where the GDPR applies through the EEA agreement: 30. */
export const EEA_COUNTRIES = [...EU_COUNTRIES, 'IS', 'LI', 'NO'] as const

/**
 * Parts of the EU that have their own ISO 3166-1 code, so geolocation reports them as countries:
 * the French outermost regions, Saint-Martin, and Åland (Finland). The GDPR applies there as in
 * the rest of the member state; without this list a visitor in Réunion would get `notice`.
 */
export const EU_TERRITORIES_WITH_OWN_CODE = ['GF', 'GP', 'MQ', 'RE', 'YT', 'MF', 'AX'] as const

/** Opt-in outside the EEA: the UK (UK GDPR + PECR) and Switzerland (revised FADP). */
export const OTHER_OPT_IN_COUNTRIES = ['GB', 'CH'] as const

/**
 * US states with a comprehensive consumer privacy law in force by 1 January 2026. They give an
 * opt-out of sale, sharing and targeted advertising, not prior consent. Florida's 2024 law is left
 * out on purpose: it only binds businesses with over $1 billion in revenue; a site it binds adds
 * `US-FL` to its own region settings.
 */
export const US_PRIVACY_LAW_STATES = [
  'US-CA', // CCPA 2020, amended by the CPRA 2023
  'US-VA', // VCDPA, 2023-01-01
  'US-CO', // CPA, 2023-07-01
  'US-CT', // CTDPA, 2023-07-01
  'US-UT', // UCPA, 2023-12-31
  'US-TX', // TDPSA, 2024-07-01
  'US-OR', // OCPA, 2024-07-01
  'US-MT', // MCDPA, 2024-10-01
  'US-DE', // DPDPA, 2025-01-01
  'US-IA', // ICDPA, 2025-01-01
  'US-NE', // NDPA, 2025-01-01
  'US-NH', // SB 255, 2025-01-01
  'US-NJ', // SB 332, 2025-01-15
  'US-TN', // TIPA, 2025-07-01
  'US-MN', // MCDPA, 2025-07-31
  'US-MD', // MODPA, 2025-10-01
  'US-IN', // ICDPA, 2026-01-01
  'US-KY', // KCDPA, 2026-01-01
  'US-RI', // RIDTPPA, 2026-01-01
] as const

/** The built-in region table; a site's own `regions` settings take precedence over it. */
export const DEFAULT_REGION_MODES: Readonly<Record<string, RegionMode>> = Object.freeze({
  ...Object.fromEntries([...EEA_COUNTRIES, ...EU_TERRITORIES_WITH_OWN_CODE, ...OTHER_OPT_IN_COUNTRIES].map((c) => [c, 'opt-in' as const])),
  ...Object.fromEntries(US_PRIVACY_LAW_STATES.map((c) => [c, 'opt-out' as const])),
})

/** Mode for a known region that neither the site nor the built-in table lists. */
export const ELSEWHERE_MODE: RegionMode = 'notice'
/**
 * The key of a site's `regions` that sets a floor for every region it does not name: `'*':
 * 'opt-in'` asks every visitor first (a business bound by the GDPR wherever its visitors are),
 * `'*': 'opt-out'` offers the way out wherever the built-in table would only inform. It never
 * loosens the built-in table: the EEA stays opt-in under `'*': 'notice'`. A region the site names
 * itself takes the site's mode, as without it.
 */
export const EVERYWHERE = '*'
/** SPEC §6: when the region is unknown, the strictest mode applies. */
export const UNKNOWN_REGION_MODE: RegionMode = 'opt-in'

/** Upper-cased region code, or null when the value is not a plausible ISO 3166 code. */
export function normalizeRegion(value: string | null | undefined): string | null {
  if (!value) return null
  const code = value.trim().toUpperCase()
  return REGION_CODE_PATTERN.test(code) ? code : null
}

/** Opt-in asks first, opt-out offers a way out, a notice only informs: the order of strictness. */
const STRICTNESS: Readonly<Record<RegionMode, number>> = { notice: 0, 'opt-out': 1, 'opt-in': 2 }
const stricter = (a: RegionMode, b: RegionMode | undefined): RegionMode => (b !== undefined && STRICTNESS[b] > STRICTNESS[a] ? b : a)

/** Per country, the subdivisions the built-in table has a rule for. */
const BUILT_IN_SUBDIVISIONS: Readonly<Record<string, readonly string[]>> = (() => {
  const byCountry: Record<string, string[]> = {}
  for (const code of Object.keys(DEFAULT_REGION_MODES)) if (code.length > 2) (byCountry[code.slice(0, 2)] ??= []).push(code)
  return Object.freeze(byCountry)
})()

/**
 * The mode in force for a region. Lookup order: the site's setting for the subdivision, the site's
 * setting for the country, the built-in subdivision, the built-in country, then `notice`. So a
 * subdivision always beats its country within one table, and a site that sets `US: 'opt-in'`
 * makes the whole country opt-in (California included) unless it also names a subdivision.
 *
 * A country alone, when its subdivisions have rules of their own (`US`, from a CDN or GeoIP
 * database that gives no state), is a region only partly known: the strictest of its
 * subdivisions' modes applies (SPEC §6), so a Californian whose state is unknown still gets the
 * opt-out and its "Your Privacy Choices" link rather than a notice. A site that sets the country
 * itself (`US: 'notice'`) has decided for it.
 */
export function resolveMode(region: string | null | undefined, siteRegions: Readonly<Record<string, RegionMode>> = {}): RegionMode {
  const code = normalizeRegion(region)
  if (!code) return UNKNOWN_REGION_MODE
  const country = code.slice(0, 2)
  // Plain indexing is safe: an upper-case code never names an Object.prototype member.
  const builtIn = DEFAULT_REGION_MODES[code] ?? DEFAULT_REGION_MODES[country] ?? ELSEWHERE_MODE
  const mode = siteRegions[code] ?? siteRegions[country] ?? stricter(builtIn, siteRegions[EVERYWHERE])
  if (code !== country || siteRegions[country] !== undefined) return mode
  // The rules in force for its subdivisions: the site's own, over the built-in ones.
  let strictest = mode
  for (const sub of BUILT_IN_SUBDIVISIONS[country] ?? []) strictest = stricter(strictest, siteRegions[sub] ?? DEFAULT_REGION_MODES[sub])
  for (const key of Object.keys(siteRegions)) {
    if (key.length > 2 && normalizeRegion(key)?.startsWith(`${country}-`)) strictest = stricter(strictest, siteRegions[key])
  }
  return strictest
}

/**
 * Google Consent Mode `default` commands take a `region` list and apply the most specific match
 * (https://developers.google.com/tag-platform/security/guides/consent#region-specific-behavior).
 * Every region named in the built-in table or the site's settings is listed with its resolved
 * mode: `denied` for opt-in, `granted` for opt-out and notice (allowed until the visitor says no).
 * Regions not listed take the command without `region`, which the SDK bases on the mode of the
 * current request. The server sends only the `denied` list (routes/config.ts consentModeDefaults):
 * a granted one would let Google's geolocation grant where this server's says opt-in.
 */
export interface ConsentModeRegions {
  granted: string[]
  denied: string[]
}

export function consentModeRegions(siteRegions: Readonly<Record<string, RegionMode>> = {}): ConsentModeRegions {
  const codes = new Set<string>(Object.keys(DEFAULT_REGION_MODES))
  for (const key of Object.keys(siteRegions)) {
    const code = normalizeRegion(key)
    if (code) codes.add(code)
  }
  const granted: string[] = []
  const denied: string[] = []
  for (const code of [...codes].sort()) (resolveMode(code, siteRegions) === 'opt-in' ? denied : granted).push(code)
  return { granted, denied }
}
