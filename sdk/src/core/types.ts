import type { ConsentModeDefault, PublishedConfig } from '@miniconsent/shared'
import type { ConsentMethod, StoredChoice } from '@miniconsent/shared/cookie'

import type { ConsentMethod as PublicMethod, MiniConsent, MiniConsentState } from '../miniconsent'
import type { Ctx } from '../ui/ctx'

export type { ConsentModeDefault, PublishedConfig, StoredChoice, ConsentMethod }

/**
 * What `window.miniconsent.get()` returns (SPEC §2): the declarations shipped to sites
 * (src/miniconsent.d.ts, copied to dist) are the one definition; the core is checked against them.
 */
export type ConsentState = MiniConsentState
export type { MiniConsent }

/** The public method union must stay the stored cookie's (shared/cookie-format.ts): a compile error otherwise. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Assert<T extends true> = T
export type MethodsAgree = Assert<Same<ConsentMethod, PublicMethod>>

export const BANNER_NONE = 0
export const BANNER_CONSENT = 1
/** Notice mode: the banner informs; everything already runs. */
export const BANNER_NOTICE = 2
/** Notice mode, shown after GPC refused something for the visitor: its OK only closes it (record.ts). */
export const BANNER_GPC_NOTICE = 3
export type BannerKind = typeof BANNER_NONE | typeof BANNER_CONSENT | typeof BANNER_NOTICE | typeof BANNER_GPC_NOTICE

/**
 * What the core script hands to the lazily loaded chunks. Fields start with `_` so the build
 * mangles them, with one name cache for every file.
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
  /**
   * Records a choice; `shown` is the UI the visitor made it in, whose texts are hashed into the
   * consent record. Resolves once the choice is in force and stored (record.js loaded). `merge`
   * (set()): `categories` and `services` are the page's input as given, checked and laid over the
   * state in force by record.js.
   */
  _choose(method: ConsentMethod, categories: Record<string, boolean>, services: Record<string, boolean>, shown?: Ctx, merge?: 1): Promise<void>
  /** Puts a choice made now and its state in force (RecordChunk._commit makes both); true when a state was known before. */
  _set(choice: StoredChoice, state: ConsentState): boolean
  /** navigator.globalPrivacyControl */
  _gpc: boolean
  /** The chunk `dist/<name>.js`, next to the core script: loaded once, or again on the next call after a failed load. */
  _chunk<T>(name: ChunkName): Promise<T>
  /** Calls `fn` with the page's one UI, loading the banner chunk first if need be. */
  _ui(fn: (u: UiApi) => void): void
}

export type ChunkName = 'banner' | 'record' | 'dialog' | 'placeholder' | 'cleanup' | 'store' | `lang-${string}`

export interface UiApi {
  /** Shows the first layer (`kind`), or with BANNER_NONE only what stays on the page (the reopen button). */
  _banner(kind: BannerKind): void
  _open(): void
  _tables(containers: Element[]): void
  _placeholders(iframes: HTMLIFrameElement[]): void
}

/** dist/banner.js: Preact, the first layer and its texts; the rest of the UI is loaded from it. */
export interface BannerChunk {
  /**
   * `banner`: the first layer the visitor is owed as the UI mounts, which the mount draws: owed
   * still when the load that asked for it failed, and so drawn by whichever later load succeeds.
   */
  _mount(host: Host, banner: BannerKind): UiApi
  /** What `_mount` returned, kept by the core: the page's one UI. */
  _ui?: UiApi
}

/** dist/record.js: what follows a choice. */
export interface RecordChunk {
  /** Turns the visitor's input into a stored choice, puts it in force (Host._set) and records it. */
  _commit(host: Host, ...a: Parameters<Host['_choose']>): void
  /** window.miniconsent.identify: posts `{ …, userId }` to /api/v1/consents/identify; true once stored, false if refused or queued. */
  _identify(host: Host, userId: string): Promise<boolean>
  /** window.miniconsent.acceptDocument: posts `{ …, type, userId }` to /api/v1/documents; true once stored, false if refused or queued. */
  _acceptDocument(host: Host, type: string, opts?: { userId?: string }): Promise<boolean>
}

/** dist/store.js: IndexedDB — the cached config and the queue of records not yet delivered. */
export interface StoreChunk {
  /** The config when the server did not embed it: fetched, else cached, else deny-all. */
  _fetchConfig(api: string, scriptSrc: string): Promise<PublishedConfig>
  /** Keeps a record whose POST failed, for the next page view. */
  _queue(path: string, body: { recordId: string }): Promise<void>
  /** Sends the records a previous page view could not deliver. */
  _flush(api: string): void
}

/** dist/cleanup.js */
export interface CleanupChunk {
  /** Deletes the declared cookies and storage entries of what `state` denies; resolves once asked of the browser. */
  _clean(config: PublishedConfig, state: ConsentState): Promise<void>
}
