import { BANNER_NOTICE, type BannerKind } from '../core/types'
import type { Ctx } from './Declaration'

export interface Choices {
  _accept(): void
  _reject(): void
  _prefs(): void
}

/** The first layer: Accept and Reject side by side with the same weight (opt-in rules, SPEC §6). */
export function Banner({ ctx, kind, on }: { ctx: Ctx; kind: BannerKind; on: Choices }) {
  const t = ctx._t
  const policy = ctx._config.site.privacyPolicyUrl
  return (
    <div class={'mc-banner mc-' + ctx._config.catalogue.appearance.layout} role="region" aria-labelledby="mc-bt">
      <h2 id="mc-bt">{t.bannerTitle}</h2>
      <p>
        {kind === BANNER_NOTICE ? t.noticeText : t.bannerText}{' '}
        {policy && <a href={policy}>{t.privacyPolicy}</a>}
      </p>
      <div class="mc-btns">
        <button type="button" class="mc-btn" onClick={on._accept}>
          {t.acceptAll}
        </button>
        <button type="button" class="mc-btn" onClick={on._reject}>
          {t.rejectAll}
        </button>
        <button type="button" class="mc-btn mc-alt" onClick={on._prefs}>
          {t.preferences}
        </button>
      </div>
    </div>
  )
}
