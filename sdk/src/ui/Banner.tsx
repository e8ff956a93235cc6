import { h } from 'preact'
import { BANNER_NOTICE, type BannerKind } from '../core/types'
import type { Ctx } from './ctx'

/** The first layer: Accept and Reject side by side, same size, weight and colour (SPEC §6). */
export function Banner({ ctx, kind }: { ctx: Ctx; kind: BannerKind }) {
  const t = ctx._t
  const policy = safeUrl(ctx._config.site.privacyPolicyUrl)
  return (
    <div class={'mc-banner mc-' + ctx._config.catalogue.appearance.layout} role="region" aria-labelledby="mc-bt">
      <h2 id="mc-bt">{t.bannerTitle}</h2>
      <p>
        {kind === BANNER_NOTICE ? t.noticeText : t.bannerText} {policy && <a href={policy}>{t.privacyPolicy}</a>}
      </p>
      {kind === BANNER_NOTICE ? (
        <div class="mc-btns">
          <button onClick={() => ctx._all(true)}>{t.ok}</button>
          <button class="mc-alt" onClick={ctx._open}>
            {t.preferences}
          </button>
        </div>
      ) : (
        <Buttons ctx={ctx} third={t.preferences} onThird={ctx._open} />
      )}
    </div>
  )
}

export function Buttons({ ctx, third, onThird }: { ctx: Ctx; third: string; onThird(): void }) {
  return (
    <div class="mc-btns">
      <button onClick={() => ctx._all(true)}>
        {ctx._t.acceptAll}
      </button>
      <button onClick={() => ctx._all(false)}>
        {ctx._t.rejectAll}
      </button>
      <button class="mc-alt" onClick={onThird}>
        {third}
      </button>
    </div>
  )
}

/** Links from the catalogue only as http(s) or mailto: a `javascript:` URL would run in the page. */
export const safeUrl = (url: string | undefined) => (url && /^(https?:|mailto:)/i.test(url) ? url : '')
