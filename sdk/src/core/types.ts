import type { PublishedConfig } from '@miniconsent/shared'
import type { ConsentMethod, StoredChoice } from '@miniconsent/shared/cookie'

export type { PublishedConfig, StoredChoice, ConsentMethod }

/** What `window.miniconsent.get()` returns (SPEC §2). */
export interface ConsentState {
  consentId: string
  revision: number
  /** Every category of the catalogue; required ones always true. */
  categories: Record<string, boolean>
  /** Every service of the catalogue. */
  services: Record<string, boolean>
  /** null when nothing was chosen and the state is implied by the region's mode. */
  method: ConsentMethod | null
  /** ISO time of the choice; null when implied. */
  updatedAt: string | null
  region: string | null
  gpc: boolean
}

export const BANNER_NONE = 0
export const BANNER_CONSENT = 1
/** Notice mode: the banner informs; everything already runs. */
export const BANNER_NOTICE = 2
export type BannerKind = typeof BANNER_NONE | typeof BANNER_CONSENT | typeof BANNER_NOTICE

/**
 * What the core script hands to the lazily loaded chunk (dist/ui.js). Fields start with `_` so
 * the build mangles them, with one name cache for both files.
 */
export interface Host {
  _config: PublishedConfig
  /** API origin, no trailing slash. */
  _api: string
  _nonce: string
  /** The SDK tag's data-lang, or ''. */
  _lang: string
  /** The state in force, implied or chosen (opt-in before a choice: required categories only). */
  _state(): ConsentState
  /** Records a choice; `texts` is what the visitor was shown, hashed into the consent record. */
  _choose(method: ConsentMethod, categories: Record<string, boolean>, services: Record<string, boolean>, texts?: string): void
}

export interface UiApi {
  _banner(kind: BannerKind): void
  _open(): void
  _tables(containers: Element[]): void
  _placeholders(iframes: HTMLIFrameElement[]): void
}

/** The default export of dist/ui.js: the UI, and what is only needed once a choice is made. */
export interface Lazy {
  _ui(host: Host): UiApi
  /**
   * Stores the choice in the cookie, removes what it denies, posts the consent record and reloads
   * when asked to. The cookie is written here, not in the core, to keep the returning visit small.
   */
  _record(host: Host, choice: StoredChoice, texts?: string, reload?: boolean): void
  /** The config when the server did not embed it: fetched, else cached, else deny-all. */
  _fetchConfig(api: string, scriptSrc: string): Promise<PublishedConfig>
  /** Posts a visitor event (identify, accepted document) with a recordId; true once stored. */
  _send(host: Host, path: string, extra: Record<string, unknown>): Promise<boolean>
  /** Sends the consent records a previous page view could not deliver. */
  _flush(api: string): void
}
