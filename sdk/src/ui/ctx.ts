import type { ConsentMethod, Host, PublishedConfig } from '../core/types'
import type { Texts } from './texts'

/** What every component reads: config, language, resolved texts, and the actions they trigger. */
export interface Ctx {
  _host: Host
  _config: PublishedConfig
  _lang: string
  /** Writing direction of `_lang`. */
  _dir: 'ltr' | 'rtl'
  _t: Texts
  _loc(text: Record<string, string> | undefined): string
  /** Records a choice made in the UI and closes what is open. */
  _choose(method: ConsentMethod, categories: Record<string, boolean>, services?: Record<string, boolean>): void
  /** Accept all (true) or reject all (false). */
  _all(value: boolean): void
  _open(): void
}
