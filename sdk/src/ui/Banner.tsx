import { h } from 'preact'
import { BANNER_GPC_NOTICE, BANNER_NONE, BANNER_NOTICE, type BannerKind } from '../core/types'
import type { Ctx } from './ctx'

/**
 * The first layer: Accept and Reject side by side, same size, weight and colour (SPEC §6). The
 * bar and box layouts are a non-modal region: the page stays usable and focus is not trapped.
 * The modal layout is a modal <dialog>: the browser makes the page behind it inert and keeps
 * focus inside until the visitor chooses; Escape closes it, and nothing is granted.
 */
export function Banner({ ctx, kind }: { ctx: Ctx; kind: BannerKind }) {
  const t = ctx._t
  const policy = safeUrl(ctx._config.site.privacyPolicyUrl)
  const layout = ctx._config.catalogue.appearance.layout
  const modal = layout == 'modal'
  return h(
    modal ? 'dialog' : 'div',
    {
      class: 'mc-banner mc-' + layout,
      role: modal ? 'dialog' : 'region',
      'aria-labelledby': 'mc-bt',
      ref: showModal,
    },
    <h2 id="mc-bt">{t.bannerTitle}</h2>,
    <p>
      {kind >= BANNER_NOTICE ? t.noticeText : t.bannerText} {policy && <a href={policy}>{t.privacyPolicy}</a>}
    </p>,
    <Buttons ctx={ctx} third={t.preferences} onThird={ctx._open} kind={kind} />,
  )
}

/**
 * One function for every render, so that Preact calls it only when the dialog is mounted: a new
 * one per render would open again a modal banner the visitor closed with Escape as soon as the
 * page redraws (the preferences opening). `show()` mounts a new banner (its key, banner.tsx).
 */
const showModal = (el: HTMLDialogElement | null) => el && el.showModal && !el.open && el.showModal()

/**
 * Accept and Reject (in notice mode, which informs only, a single OK), then `third`. The notice's
 * OK accepts what already runs; shown over the choice GPC made (record.ts), it only closes the
 * notice: accepting all would grant what the signal refused, and the choice is already stored.
 */
export function Buttons({ ctx, third, onThird, kind }: { ctx: Ctx; third: string; onThird(): void; kind?: BannerKind }) {
  const t = ctx._t
  const notice = kind! >= BANNER_NOTICE
  return (
    <div class="mc-btns">
      <button onClick={() => (kind == BANNER_GPC_NOTICE ? ctx._host._ui((u) => u._banner(BANNER_NONE)) : ctx._all(true))}>{notice ? t.ok : t.acceptAll}</button>
      {!notice && <button onClick={() => ctx._all(false)}>{t.rejectAll}</button>}
      <button class="mc-alt" onClick={onThird}>
        {third}
      </button>
    </div>
  )
}

/** Links from the catalogue only as http(s) or mailto: a `javascript:` URL would run in the page. */
export const safeUrl = (url: string | undefined) => (url && /^(https?:|mailto:)/i.test(url) ? url : '')
