// Sites and their live revision, as the public endpoints need them on every request.
// Parsed settings and published configs are cached briefly: revisions are immutable, and writes
// made through this process call `invalidate`, so the TTL only bounds changes made elsewhere.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { storedCatalogue, storedSiteSettings, type Catalogue, type PublishedConfig, type SiteSettings } from '@miniconsent/shared'
import { and, desc, eq, max, sql } from 'drizzle-orm'
import type { Db } from '../db/client'
import { revisions, sites } from '../db/schema'
import { ApiError } from '../lib/errors'

export interface SiteInfo {
  settings: SiteSettings
  /** Number of the live (latest) revision, or null before the first publication. */
  liveRevision: number | null
  /** The latest revision that needs consent again. */
  consentRevision: number | null
}

/** SPEC §4: a banner is needed when some switchable category declares anything. */
export function needsBanner(c: Catalogue): boolean {
  const declared = new Set([...c.services.map((s) => s.category), ...c.entries.map((e) => e.category)])
  return c.categories.some((cat) => !cat.required && declared.has(cat.id))
}

/** A hostname is allowed when it is one of the site's domains or a subdomain of one. */
export function hostnameAllowed(hostname: string, domains: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '')
  return domains.some((d) => {
    const domain = d.toLowerCase()
    return host === domain || host.endsWith('.' + domain)
  })
}

/**
 * Refuses a new site's id when `/sdk/<id>.js`, the site's one-tag embed (SPEC §1), is a file of
 * the SDK's build: routes/sdk.ts serves those before the sites' scripts, so the site's tag would
 * load that chunk (`banner`, `record`, `miniconsent`, `lang-de`…) instead of its own script. The
 * question is asked of the directory the server serves /sdk/ from, with the route's own path, so
 * a chunk the SDK adds is reserved without a list to keep in step.
 */
export function assertSiteIdFree(siteId: string, sdkDir: string): void {
  if (statSync(join(sdkDir, `${siteId}.js`), { throwIfNoEntry: false })?.isFile()) {
    throw new ApiError(
      400,
      'site_id_reserved',
      `Site id "${siteId}" is the name of an SDK file: /sdk/${siteId}.js serves that file, not the site's script. Choose another id.`,
    )
  }
}

const TTL_MS = 5_000

export class SiteDirectory {
  private readonly infoCache = new Map<string, { at: number; info: SiteInfo }>()
  private readonly configCache = new Map<string, Omit<PublishedConfig, 'region' | 'mode'>>()
  /** The config per cached SiteInfo, so that a request does not rebuild its cache key (settings serialised). */
  private readonly configOfInfo = new WeakMap<SiteInfo, Omit<PublishedConfig, 'region' | 'mode'>>()
  private allDomains: { at: number; domains: string[] } | null = null
  private readonly siteStmt
  private readonly liveStmt
  private readonly consentRevisionStmt
  private readonly catalogueStmt
  private readonly allDomainsStmt

  constructor(
    db: Db,
    private readonly now: () => number,
  ) {
    const siteId = sql.placeholder('siteId')
    this.siteStmt = db.select({ settings: sites.settings }).from(sites).where(eq(sites.id, siteId)).prepare()
    this.liveStmt = db
      .select({ number: revisions.number })
      .from(revisions)
      .where(eq(revisions.siteId, siteId))
      .orderBy(desc(revisions.number))
      .limit(1)
      .prepare()
    this.consentRevisionStmt = db
      .select({ number: max(revisions.number) })
      .from(revisions)
      .where(and(eq(revisions.siteId, siteId), eq(revisions.needsConsent, true)))
      .prepare()
    this.catalogueStmt = db
      .select({ catalogue: revisions.catalogue })
      .from(revisions)
      .where(and(eq(revisions.siteId, siteId), eq(revisions.number, sql.placeholder('number'))))
      .prepare()
    this.allDomainsStmt = db.select({ settings: sites.settings }).from(sites).prepare()
  }

  get(siteId: string): SiteInfo | null {
    const t = this.now()
    const cached = this.infoCache.get(siteId)
    if (cached && t - cached.at < TTL_MS) return cached.info
    const row = this.siteStmt.get({ siteId })
    if (!row) {
      this.infoCache.delete(siteId)
      return null
    }
    const info: SiteInfo = {
      settings: storedSiteSettings.parse(JSON.parse(row.settings)),
      liveRevision: this.liveStmt.get({ siteId })?.number ?? null,
      consentRevision: this.consentRevisionStmt.get({ siteId })?.number ?? null,
    }
    this.infoCache.set(siteId, { at: t, info })
    return info
  }

  /**
   * The published config without the per-request region; null when the site has no revision.
   * `info`: the site's, when the caller has just read it (get()).
   */
  publishedConfig(siteId: string, info: SiteInfo | null = this.get(siteId)): Omit<PublishedConfig, 'region' | 'mode'> | null {
    if (!info || info.liveRevision === null) return null
    const known = this.configOfInfo.get(info)
    if (known) return known
    const key = `${siteId}\n${info.liveRevision}\n${info.consentRevision}\n${JSON.stringify(info.settings)}`
    const hit = this.configCache.get(key)
    if (hit) {
      this.configOfInfo.set(info, hit)
      return hit
    }
    const row = this.catalogueStmt.get({ siteId, number: info.liveRevision })
    if (!row) return null
    const catalogue = storedCatalogue.parse(JSON.parse(row.catalogue))
    const s = info.settings
    const gtagSet: NonNullable<PublishedConfig['gtagSet']> = {
      ...(s.adsDataRedaction ? { ads_data_redaction: true } : {}),
      ...(s.urlPassthrough ? { url_passthrough: true } : {}),
    }
    const config = {
      siteId,
      revision: info.liveRevision,
      consentRevision: info.consentRevision ?? 1,
      site: {
        name: s.name,
        defaultLanguage: s.defaultLanguage,
        ...(s.privacyPolicyUrl ? { privacyPolicyUrl: s.privacyPolicyUrl } : {}),
        cookieName: s.cookieName,
        cookieLifetimeDays: s.cookieLifetimeDays,
        reloadOnRevoke: s.reloadOnRevoke,
        consentModeWaitForUpdate: s.consentModeWaitForUpdate,
      },
      ...(s.adsDataRedaction || s.urlPassthrough ? { gtagSet } : {}),
      needsBanner: needsBanner(catalogue),
      catalogue,
    }
    for (const k of this.configCache.keys()) if (k.startsWith(siteId + '\n')) this.configCache.delete(k)
    this.configCache.set(key, config)
    this.configOfInfo.set(info, config)
    return config
  }

  /** True when some site lists this hostname: CORS preflights carry no site id. */
  anySiteAllows(hostname: string): boolean {
    const t = this.now()
    if (!this.allDomains || t - this.allDomains.at >= TTL_MS) {
      const domains = this.allDomainsStmt.all().flatMap((row) => {
        const parsed = storedSiteSettings.safeParse(JSON.parse(row.settings))
        return parsed.success ? parsed.data.domains : []
      })
      this.allDomains = { at: t, domains }
    }
    return hostnameAllowed(hostname, this.allDomains.domains)
  }

  invalidate(siteId?: string) {
    this.allDomains = null
    if (siteId) this.infoCache.delete(siteId)
    else this.infoCache.clear()
  }
}
