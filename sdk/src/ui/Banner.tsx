import { h } from 'preact'
import { BANNER_NOTICE, type BannerKind } from '../core/types'
import type { Ctx } from './Declaration'

/** The first layer: Accept and Reject side by side, same size, weight and colour (SPEC §6). */
export function Banner({ ctx, kind, onAll, onPrefs }: { ctx: Ctx; kind: BannerKind; onAll(value: boolean): void; onPrefs(): void }) {
  const t = ctx._t
  const policy = ctx._config.site.privacyPolicyUrl
  return (
    <div class={'mc-banner mc-' + ctx._config.catalogue.appearance.layout} role="region" aria-labelledby="mc-bt">
      <h2 id="mc-bt">{t.bannerTitle}</h2>
      <p>
        {kind === BANNER_NOTICE ? t.noticeText : t.bannerText} {policy && <a href={policy}>{t.privacyPolicy}</a>}
      </p>
      <Buttons ctx={ctx} onAll={onAll} third={t.preferences} onThird={onPrefs} />
    </div>
  )
}

export function Buttons({ ctx, onAll, third, onThird }: { ctx: Ctx; onAll(value: boolean): void; third: string; onThird(): void }) {
  return (
    <div class="mc-btns">
      <button class="mc-btn" onClick={() => onAll(true)}>
        {ctx._t.acceptAll}
      </button>
      <button class="mc-btn" onClick={() => onAll(false)}>
        {ctx._t.rejectAll}
      </button>
      <button class="mc-btn mc-alt" onClick={onThird}>
        {third}
      </button>
    </div>
  )
}
