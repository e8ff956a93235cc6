// Sites and their live revision, as the public endpoints need them on every request.
// Parsed settings and published configs are cached briefly: revisions are immutable, and writes
// made through this process call `invalidate`, so the TTL only bounds changes made elsewhere.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import {
  catalogue as catalogueSchema,
  CONSENTED_MODE_TYPES,
  ownStorage,
  storedCatalogue,
  storedSiteSettings,
  type Catalogue,
  type NewSite,
  type PublishedConfig,
  type SiteSettings,
  type SiteSummary,
} from '@miniconsent/shared'
import { gpcCategories } from '@miniconsent/shared/consent-mode'
import { and, desc, eq, max, sql } from 'drizzle-orm'
import { writeTransaction, type Db } from '../db/client'
import { chainAnchors, consentIdentities, consentRecords, deletedSites, documentAcceptances, memberships, revisions, siteDrafts, sites } from '../db/schema'
import { canonicalJson } from '../lib/canonical-json'
import { ApiError } from '../lib/errors'
import { sha256 } from './accounts'
import type { AuditLog } from './audit'
import { refuseOversizedCatalogue } from './catalogue'
import { signSiteRetention } from './retention-signature'
import type { StoredSigningKey } from './stored-signatures'

export interface SiteInfo {
  settings: SiteSettings
  /** Number of the live (latest) revision, or null before the first publication. */
  liveRevision: number | null
  /** The latest revision that needs consent again. */
  consentRevision: number | null
}

/**
 * SPEC §4: a banner is needed when some switchable category declares anything: a service, an
 * entry, or a Consent Mode type that needs consent (CONSENTED_MODE_TYPES). A category mapped to
 * `ad_storage` before its Google Ads service is declared sends Google that signal all the same:
 * counted as declaring nothing, it was granted to every visitor, in opt-in regions and over GPC,
 * without a banner (review).
 */
export function needsBanner(c: Catalogue): boolean {
  const declared = new Set([...c.services.map((s) => s.category), ...c.entries.map((e) => e.category)])
  return c.categories.some((cat) => !cat.required && (declared.has(cat.id) || cat.consentMode.some((t) => CONSENTED_MODE_TYPES.includes(t))))
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
const namesSdkFile = (siteId: string, sdkDir: string) => !!statSync(join(sdkDir, `${siteId}.js`), { throwIfNoEntry: false })?.isFile()

/**
 * Sites made before the SDK gained a file of their name: /sdk/<id>.js now serves that file, so
 * their embed loads it instead of their script. The server warns of them at start-up.
 */
export function shadowedSiteIds(db: Db, sdkDir: string): string[] {
  return db
    .select({ id: sites.id })
    .from(sites)
    .all()
    .map((s) => s.id)
    .filter((id) => namesSdkFile(id, sdkDir))
}

export function assertSiteIdFree(siteId: string, sdkDir: string): void {
  if (namesSdkFile(siteId, sdkDir)) {
    throw new ApiError(
      400,
      'site_id_reserved',
      `Site id "${siteId}" is the name of an SDK file: /sdk/${siteId}.js serves that file, not the site's script. Choose another id.`,
    )
  }
}

/**
 * Inserts a site and its draft, inside the caller's transaction; with `publish`, also revision 1
 * of the same catalogue (the demo sites). Writes nothing and answers false when the id is taken,
 * by a site or by a deleted one (deletedOn); an id that names an SDK file is refused (assertSiteIdFree).
 */
export function insertSite(
  db: Db,
  site: { settings: SiteSettings; catalogue: Catalogue },
  options: { at: Date; sdkDir: string; userId: number | null; publish: boolean },
): boolean {
  const { settings, catalogue } = site
  if (db.select({ id: sites.id }).from(sites).where(eq(sites.id, settings.id)).get() || deletedOn(db, settings.id)) return false
  assertSiteIdFree(settings.id, options.sdkDir)
  const catalogueJson = canonicalJson(catalogue)
  const { at, userId } = options
  db.insert(sites).values({ id: settings.id, settings: JSON.stringify(settings), createdAt: at }).run()
  db.insert(siteDrafts).values({ siteId: settings.id, catalogue: catalogueJson, updatedAt: at, updatedBy: userId }).run()
  if (options.publish) {
    db.insert(revisions)
      .values({ siteId: settings.id, number: 1, catalogue: catalogueJson, contentHash: sha256(catalogueJson), needsConsent: true, publishedAt: at, publishedBy: userId })
      .run()
  }
  return true
}

/**
 * When the site of this id was deleted (deleteSite), or null. Its audit log is kept under that id
 * for its retention period, and a new site of the same id would show it as its own, so the id is
 * never used again: a new site is refused it, and the demo seed skips it (a deleted demo site stays
 * deleted). The reservation is the site's `deleted_sites` row, kept for good, not its audit log,
 * which retention empties in the end (purgeDeletedSite).
 */
function deletedOn(db: Db, siteId: string): Date | null {
  return db.select({ at: deletedSites.deletedAt }).from(deletedSites).where(eq(deletedSites.siteId, siteId)).get()?.at ?? null
}

const retentionSetting = storedSiteSettings.shape.retentionDays
/** The retention of stored settings; the default where they have none valid (edited by hand). */
const retentionOf = (settings: { retentionDays?: unknown } | null): number =>
  retentionSetting.safeParse(settings?.retentionDays).data ?? retentionSetting.parse(undefined)

/**
 * What a site keeps of its visitors: their consent records (tombstones included), the events
 * beside them (identifications, legal documents accepted), and a purge's anchor (the log had
 * records, which retention removed). A site holding any of these is not deleted. What an erasure
 * kept of the events it deleted (erased_events: their recordIds, nothing personal) goes with the
 * site: a retry of one is then answered as for an unknown site, whose id is never given again.
 */
const VISITOR_TABLES = [
  { table: consentRecords, what: 'consent records' },
  { table: documentAcceptances, what: 'accepted legal documents' },
  { table: consentIdentities, what: 'identified visitors' },
  { table: chainAnchors, what: 'a purged consent log' },
] as const

/**
 * Deletes a site that holds nothing of its visitors (VISITOR_TABLES): a site created by mistake,
 * or one never embedded. With it go its draft, revisions, members, invitations, statistics and
 * export manifests. Its audit log stays, under its id, with this deletion last in it (the settings
 * and the draft as they were), until retention purges it by the site's retention period as it was,
 * if the server signed it so (`deleted_sites`, purgeDeletedSite); the id cannot be used again
 * (deletedOn). A site with consent records keeps them for its retention period, as the consent log
 * is append-only: it cannot be deleted before.
 *
 * In one write transaction: a record the writer thread commits first is seen here and refuses the
 * deletion; one committed after finds no site, and is answered 404 `site_not_found`, as a record
 * for an unknown site is (routes/consents.ts).
 */
export function deleteSite(d: Pick<SiteCreationDeps, 'db' | 'now' | 'audit' | 'sites'>, userId: number, siteId: string): void {
  writeTransaction(d.db, () => {
    const site = d.db
      .select({ settings: sites.settings, retentionSignedAt: sites.retentionSignedAt, retentionSignature: sites.retentionSignature })
      .from(sites)
      .where(eq(sites.id, siteId))
      .get()
    if (!site) throw new ApiError(404, 'site_not_found', `There is no site "${siteId}"`)
    const held = VISITOR_TABLES.filter(({ table }) => d.db.select({ one: sql`1` }).from(table).where(eq(table.siteId, siteId)).limit(1).get())
    if (held.length) {
      throw new ApiError(
        409,
        'site_has_records',
        `This site holds ${held.map((h) => h.what).join(', ')}, which are kept for its retention period: only a site that never had any can be deleted`,
      )
    }
    const draft = d.db.select({ catalogue: siteDrafts.catalogue }).from(siteDrafts).where(eq(siteDrafts.siteId, siteId)).get()
    const settings = JSON.parse(site.settings) as { retentionDays?: unknown } | null
    d.audit.record({ siteId, userId, action: 'site.delete', before: { settings, catalogue: draft ? JSON.parse(draft.catalogue) : null } })
    // Its id reserved for good, and the retention its audit log is kept by, with the site's
    // signature of it (of the site's id, which stays): the purge acts on it only if the server
    // signed it as it is (retention-signature.ts). One edited in the database before the deletion
    // keeps a signature that does not match, so it purges nothing, as it purged nothing of the site:
    // the deletion does not vouch for it (signing it here would launder the edit). Nor is the
    // deletion refused for it: the dashboard's Delete says that the log is then kept until the
    // server's operator signs that retention (`sign-unsigned --site <id> --confirm`, cli.ts), or
    // that an owner confirms it in the settings first.
    d.db
      .insert(deletedSites)
      .values({ siteId, deletedAt: new Date(d.now()), retentionDays: retentionOf(settings), retentionSignedAt: site.retentionSignedAt, retentionSignature: site.retentionSignature })
      .run()
    // The draft, revisions, memberships, invitations, rollups and manifests go with it (ON DELETE CASCADE).
    d.db.delete(sites).where(eq(sites.id, siteId)).run()
  })
  d.sites.invalidate(siteId)
}

/**
 * The `essential` category's texts in the languages the SDK has built-in texts for (the visitor
 * sees them next to the SDK's own); a default language without them gets the English words, for
 * the admin to translate in the catalogue editor.
 */
const ESSENTIAL_TEXTS: Record<string, { label: string; description: string }> = {
  en: { label: 'Essential', description: 'Needed for the site to work, such as signing in and remembering your cookie choices. Always on.' },
  de: { label: 'Notwendig', description: 'Für den Betrieb der Website nötig, etwa für die Anmeldung und um Ihre Cookie-Auswahl zu speichern. Immer aktiv.' },
  fr: { label: 'Essentiels', description: 'Nécessaires au fonctionnement du site, par exemple pour la connexion et la mémorisation de vos choix de cookies. Toujours actifs.' },
  es: { label: 'Esenciales', description: 'Necesarias para que el sitio funcione, por ejemplo para iniciar sesión y recordar su elección de cookies. Siempre activas.' },
  it: { label: 'Essenziali', description: 'Necessari al funzionamento del sito, ad esempio per l’accesso e per ricordare le tue scelte sui cookie. Sempre attivi.' },
  nl: { label: 'Noodzakelijk', description: 'Nodig om de site te laten werken, bijvoorbeeld om in te loggen en uw cookiekeuze te onthouden. Altijd aan.' },
  pt: { label: 'Essenciais', description: 'Necessários para o funcionamento do site, por exemplo para iniciar sessão e lembrar a sua escolha de cookies. Sempre ativos.' },
  pl: { label: 'Niezbędne', description: 'Potrzebne do działania strony, np. do logowania i zapamiętania Twojego wyboru dotyczącego cookies. Zawsze włączone.' },
  uk: { label: 'Необхідні', description: 'Потрібні для роботи сайту, наприклад для входу та збереження вашого вибору щодо cookie. Завжди увімкнені.' },
  ar: { label: 'ضرورية', description: 'ضرورية لعمل الموقع، مثل تسجيل الدخول وتذكّر اختياراتك بشأن ملفات تعريف الارتباط. مفعّلة دائمًا.' },
}

/**
 * A new site's draft when it brings no catalogue: the one category every catalogue has (SPEC §4,
 * `essential`, always on), with its texts in the site's default language, and in it what
 * MiniConsent itself stores in the visitor's browser (shared's own-storage.ts), under the site's
 * cookie name and lifetime. It declares nothing that needs consent, so published as it is the SDK shows
 * no banner, only the declaration.
 */
export function starterCatalogue(settings: SiteSettings): Catalogue {
  const language = settings.defaultLanguage
  const texts = ESSENTIAL_TEXTS[language.split('-')[0]!] ?? ESSENTIAL_TEXTS.en!
  return catalogueSchema.parse({
    categories: [{ id: 'essential', required: true, label: { [language]: texts.label }, description: { [language]: texts.description }, consentMode: ['security_storage'] }],
    ...ownStorage(settings),
  })
}

export interface SiteCreationDeps {
  db: Db
  now: () => number
  audit: AuditLog
  sites: SiteDirectory
  /** The directory /sdk/ is served from: a site may not be named after one of its files. */
  sdkDir: string
  /** The key that signs the new site's retention (the manifest key: ManifestKeys), which the purge acts on. */
  manifestKeys: { active(): StoredSigningKey }
}

/**
 * Creates a site with a draft and no revision (nothing is served until someone publishes it);
 * its creator becomes its owner. 409 `site_exists` when the id is taken.
 */
export function createSite(d: SiteCreationDeps, userId: number, input: NewSite): SiteSummary {
  const { catalogue: given, ...settings } = input
  const catalogue = given ?? starterCatalogue(settings)
  // Its draft must be one the dashboard can save again, as every saved draft (Catalogues.saveDraft).
  refuseOversizedCatalogue(catalogue)
  // Settled before the transaction: the first call may write the key (ManifestKeys.active).
  const key = d.manifestKeys.active()
  writeTransaction(d.db, () => {
    const at = d.now()
    if (!insertSite(d.db, { settings, catalogue }, { at: new Date(at), sdkDir: d.sdkDir, userId, publish: false })) {
      const deleted = deletedOn(d.db, settings.id)
      if (deleted) {
        throw new ApiError(
          409,
          'site_id_used',
          `The id "${settings.id}" belonged to a site deleted on ${deleted.toISOString().slice(0, 10)}, and a deleted site's id is never given again: choose another id`,
        )
      }
      throw new ApiError(409, 'site_exists', `There is already a site "${settings.id}": choose another id`)
    }
    // Its retention is the creator's, as an owner's save (Catalogues.saveSettings): signed with it.
    signSiteRetention(d.db.$client, settings.id, key, at)
    d.db.insert(memberships).values({ userId, siteId: settings.id, role: 'owner' }).run()
    d.audit.record({ siteId: settings.id, userId, action: 'site.create', after: { settings, catalogue } })
  })
  // CORS preflights ask every site's domains, which are cached.
  d.sites.invalidate(settings.id)
  return { id: settings.id, name: settings.name, role: 'owner' }
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
      // What Global Privacy Control refuses (SPEC §5): the SDK reads the rule from here, not a copy of its own.
      gpcCategories: gpcCategories(catalogue),
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
