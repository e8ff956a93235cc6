// Injected once as a <style> carrying the SDK tag's nonce (CSP), never as style= attributes.
// Everything is scoped under .mc so that the site's own styles are left alone.
import type { PublishedConfig } from '../core/types'

const CSS = `.mc{--a:#1a56db;--b:#fff;--f:#1b1b1f;--r:8px;font:15px/1.5 system-ui,sans-serif;color:var(--f)}
.mc-dark{--b:#1f1f24;--f:#f1f1f4}
@media(prefers-color-scheme:dark){.mc-system{--b:#1f1f24;--f:#f1f1f4}}
.mc h2{font-size:1.15em;margin:0 0 8px}.mc h3{font-size:1.05em;margin:16px 0 4px}.mc p{margin:0 0 12px}.mc a{color:inherit}
.mc-banner{position:fixed;z-index:2147483000;box-sizing:border-box;background:var(--b);box-shadow:0 2px 20px #0005;padding:16px 20px;bottom:0;left:0;right:0}
.mc-box{left:16px;bottom:16px;right:auto;max-width:420px;border-radius:var(--r)}
.mc-modal{top:50%;left:50%;bottom:auto;right:auto;transform:translate(-50%,-50%);width:min(560px,92vw);border-radius:var(--r)}
.mc-btns{display:flex;flex-wrap:wrap;gap:8px}
.mc-btn{font:inherit;font-weight:600;padding:8px 18px;border-radius:var(--r);border:2px solid var(--a);background:var(--a);color:#fff;cursor:pointer}
.mc-alt{background:transparent;color:inherit}
.mc-prefs{box-sizing:border-box;width:min(680px,94vw);max-height:88vh;overflow:auto;border:0;border-radius:var(--r);background:var(--b);color:var(--f);padding:24px;position:fixed}
.mc-prefs::backdrop{background:#000a}
.mc-cat{border-top:1px solid #8885;padding-top:12px}
.mc-row{display:flex;justify-content:space-between;align-items:center;gap:8px}
.mc-exp{font:inherit;font-weight:600;background:none;border:0;color:inherit;cursor:pointer;padding:4px 0;text-align:left}
.mc-exp:before{content:"▸ "}.mc-exp[aria-expanded=true]:before{content:"▾ "}
.mc-sw{display:flex;gap:8px;align-items:center;font-size:.9em}
.mc-sw input{appearance:none;width:42px;height:24px;border-radius:12px;background:#8889;position:relative;cursor:pointer;margin:0;flex:none}
.mc-sw input:before{content:"";position:absolute;top:3px;left:3px;width:18px;height:18px;border-radius:50%;background:#fff;transition:left .15s}
.mc-sw input:checked{background:var(--a)}.mc-sw input:checked:before{left:21px}.mc-sw input:disabled{opacity:.6;cursor:default}
.mc table{width:100%;border-collapse:collapse;font-size:.88em;margin:8px 0 12px}
.mc th,.mc td{text-align:left;padding:4px 6px;border-bottom:1px solid #8884;vertical-align:top}
.mc-svc{padding-left:20px;font-size:.92em}.mc-id code{word-break:break-all}
.mc-x{position:absolute;top:8px;right:8px;font:inherit;font-size:22px;line-height:1;background:none;border:0;color:inherit;cursor:pointer;padding:6px}
.mc :focus-visible{outline:3px solid var(--a);outline-offset:2px}
.mc-ph{display:flex;flex-direction:column;align-items:center;justify-content:center;gap:8px;min-height:160px;padding:16px;text-align:center;background:#8882;border-radius:var(--r)}`

export function injectStyles(config: PublishedConfig, nonce: string): void {
  const { accentColor, radius } = config.catalogue.appearance
  const style = document.createElement('style')
  if (nonce) style.nonce = nonce
  style.textContent = CSS + (accentColor ? `.mc{--a:${accentColor}}` : '') + (radius !== undefined ? `.mc{--r:${radius}px}` : '')
  document.head.appendChild(style)
}
