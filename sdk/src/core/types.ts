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
 * What the core script hands to the lazily loaded UI chunk. Fields start with `_` so the build
 * mangles them, with one name cache for both files.
 */
export interface UiHost {
  _config: PublishedConfig
  _lang: string
  _nonce: string
  /** The state in force, implied or chosen; never null (opt-in before a choice: required categories only). */
  _state(): ConsentState
  /** Records a visitor's choice made in the UI; `texts` is what was shown, hashed into the record. */
  _choose(method: ConsentMethod, categories: Record<string, boolean>, services: Record<string, boolean>, texts: string): void
}

/** What the UI chunk's default export returns. */
export interface UiApi {
  _banner(kind: BannerKind): void
  _open(): void
  _tables(containers: Element[]): void
  _placeholders(iframes: HTMLIFrameElement[]): void
}
