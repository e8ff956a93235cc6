// Type declarations of `window.miniconsent` for sites that embed MiniConsent (SPEC §2).

export type ConsentMethod = 'accept-all' | 'reject-all' | 'custom' | 'withdraw' | 'gpc' | 'api'

export interface MiniConsentState {
  /** This browser's random id, shown in the preferences dialog; quote it in a data-subject request. */
  consentId: string
  /** Catalogue revision the choice was made on. */
  revision: number
  /** Every category of the site; required ones (essential) are always true. */
  categories: Record<string, boolean>
  /** Every service of the site. */
  services: Record<string, boolean>
  /** How the choice was made; null when nothing was chosen and the region's mode implies the state. */
  method: ConsentMethod | null
  /** ISO time of the choice; null when implied. */
  updatedAt: string | null
  /** Region the server resolved (ISO 3166), or null. */
  region: string | null
  /**
   * True when the browser sent Global Privacy Control as the choice in force was made (before any
   * choice: whether it sends it now). A choice the visitor made without the signal keeps false
   * when the signal comes later and refuses nothing new.
   */
  gpc: boolean
}

export interface MiniConsent {
  /** Resolves once the state is known: stored, implied by the region, or after the visitor's first choice. */
  readonly ready: Promise<MiniConsentState>
  /** The state in force, or null while the visitor has yet to choose (opt-in regions). */
  get(): MiniConsentState | null
  accepted(category: string): boolean
  acceptedService(serviceId: string): boolean
  /** Record a choice on the visitor's behalf (logged with method "api"). Resolves once the choice is in force and stored. */
  acceptAll(): Promise<void>
  rejectAll(): Promise<void>
  /**
   * Change some categories (and optionally services); the others keep their current value. Resolves once in force and stored.
   * Rejects with a TypeError, changing, storing and recording nothing, unless given `{ category: boolean }` and optionally `{ service: boolean }`.
   */
  set(categories: Record<string, boolean>, services?: Record<string, boolean>): Promise<void>
  /** Open the preferences dialog. */
  open(): void
  /** Show the first-layer banner. */
  show(): void
  /** Called after every choice; also dispatched as the `miniconsent:change` event on window. Returns an unsubscribe function. */
  on(event: 'change', listener: (state: MiniConsentState) => void): () => void
  /** Gate elements inserted since load (also done automatically). */
  rescan(): void
  /**
   * Link this browser's consentId to the site's signed-in user. Resolves true once the server confirmed; false when it
   * refused the link (then not sent again, and not kept in this browser) or could not be reached (sent again on a later
   * page view). Rejects with a TypeError, sending nothing, unless `userId` is a non-empty string.
   */
  identify(userId: string): Promise<boolean>
  /**
   * Record acceptance of the current version of a legal document, e.g. "terms" or "privacy-policy". Resolves true once
   * the server confirmed; false when it refused it (a type the site declares no document for: not sent again) or could
   * not be reached (sent again on a later page view). Rejects with a TypeError, sending nothing, unless `type` is a
   * non-empty string and `options.userId`, if given, a string.
   */
  acceptDocument(type: string, options?: { userId?: string }): Promise<boolean>
}

declare global {
  interface Window {
    miniconsent: MiniConsent
  }
  interface WindowEventMap {
    'miniconsent:change': CustomEvent<MiniConsentState>
  }
}
