import { useState } from 'preact/hooks'
import { catalogueState, revisionDetail } from '../api-shapes'
import { siteRoute, useLoad, type SitePageProps } from '../components/site-page'
import { checkInstall, type Finding } from '../install-check'
import { counted } from '../format'
import { siteApi, sitePath, useSession } from '../session'
import { useDocumentTitle } from '../use-document-title'

export const InstallRoute = siteRoute('install', InstallPage)

const EXAMPLES = (origin: string, siteId: string) => [
  {
    title: 'Google Analytics 4',
    code: `<script type="text/plain" data-category="analytics" data-service="google-analytics"
        data-src="https://www.googletagmanager.com/gtag/js?id=G-XXXXXXX"></script>
<script type="text/plain" data-category="analytics" data-service="google-analytics">
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-XXXXXXX');
</script>`,
    note: 'Consent Mode defaults are set by MiniConsent itself, before this tag runs.',
  },
  {
    title: 'Google Tag Manager',
    code: `<script type="text/plain" data-category="marketing" data-service="google-tag-manager">
  (function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),event:'gtm.js'});
  var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';
  j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
  })(window,document,'script','dataLayer','GTM-XXXXXXX');
</script>`,
    note: 'Or load GTM ungated and let Consent Mode v2 govern the tags inside it; gate it when it loads non-Google tags.',
  },
  {
    title: 'Meta pixel',
    code: `<script type="text/plain" data-category="marketing" data-service="meta-pixel">
  !function(f,b,e,v,n,t,s){if(f.fbq)return;n=f.fbq=function(){n.callMethod?
  n.callMethod.apply(n,arguments):n.queue.push(arguments)};if(!f._fbq)f._fbq=n;
  n.push=n;n.loaded=!0;n.version='2.0';n.queue=[];t=b.createElement(e);t.async=!0;
  t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window,
  document,'script','https://connect.facebook.net/en_US/fbevents.js');
  fbq('init', 'PIXEL_ID'); fbq('track', 'PageView');
</script>`,
    note: 'With the service in the catalogue (vendor signal “Meta pixel”), MiniConsent also calls fbq("consent", …).',
  },
  {
    title: 'YouTube embed',
    code: `<iframe data-category="marketing" data-service="youtube" title="Product video"
        data-src="https://www.youtube-nocookie.com/embed/VIDEO_ID" width="560" height="315"
        allowfullscreen></iframe>`,
    note: 'Until marketing is granted, visitors see an accessible click-to-load placeholder.',
  },
  {
    title: 'Cookie settings link and declaration',
    code: `<a href="#" data-consent-open>Cookie settings</a>
<div data-consent-table></div>`,
    note: `The table is filled from the catalogue of ${siteId} served by ${origin}.`,
  },
]

function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text)
            setState('copied')
          } catch {
            setState('failed')
          }
        }}
      >
        {label}
      </button>
      <span role="status" class="copy-status">
        {state === 'copied' && 'Copied.'}
        {state === 'failed' && 'Could not copy: select the code and copy it by hand.'}
      </span>
    </>
  )
}

const SEVERITY_LABELS = { problem: 'Problem', warning: 'Warning', ok: 'OK' } as const

function InstallPage({ site }: SitePageProps) {
  const { api } = useSession()
  useDocumentTitle(`Install — ${site.name}`)
  const origin = location.origin
  const snippet = `<script src="${origin}/sdk/${site.id}.js"></script>`
  // Only for the checker's list of category and service ids; the checker itself fetches nothing.
  const catalogue = useLoad((signal) => api.request(siteApi(site.id, '/catalogue'), catalogueState, { signal }), [site.id])
  const [html, setHtml] = useState('')
  const [findings, setFindings] = useState<Finding[] | null>(null)

  // Tags are judged against what visitors get: the live revision's catalogue (a category only in
  // the draft is offered to nobody yet); the draft's before anything is published.
  const liveNumber = catalogue.state.status === 'loaded' ? (catalogue.state.data.live?.revision ?? null) : null
  const live = useLoad(
    (signal) => (liveNumber === null ? Promise.resolve(null) : api.request(siteApi(site.id, `/revisions/${liveNumber}`), revisionDetail, { signal }).then((r) => r.revision.catalogue)),
    [site.id, liveNumber],
  )
  const judged = catalogue.state.status !== 'loaded' ? null : liveNumber === null ? catalogue.state.data.draft : live.state.status === 'loaded' ? live.state.data : null
  const known = judged
    ? { categories: judged.categories.map((c) => c.id), services: judged.services.map((s) => ({ id: s.id, category: s.category })) }
    : { categories: ['essential', 'functional', 'analytics', 'marketing'], services: [] }
  const against =
    !judged || catalogue.state.status !== 'loaded'
      ? null
      : liveNumber === null
        ? 'Checked against the draft: nothing is published yet.'
        : `Checked against the live revision ${liveNumber}${catalogue.state.data.dirty ? ': the draft’s unpublished changes are not live yet' : ''}.`

  return (
    <>
      <h1>Install — {site.name}</h1>
      <section class="editor-section" aria-labelledby="snippet-heading">
        <h2 id="snippet-heading">The script tag</h2>
        <p>
          Put this as the <strong>first</strong> element in the <code>&lt;head&gt;</code> of every page, without{' '}
          <code>async</code> or <code>defer</code>: it must run before any other tag.
        </p>
        <pre class="code">
          <code>{snippet}</code>
        </pre>
        <CopyButton text={snippet} label="Copy the script tag" />
        {catalogue.state.status === 'loaded' && !catalogue.state.data.live && (
          <p class="notice">
            Nothing is published yet: this script only logs “unknown site” in the browser’s console, and shows visitors
            nothing, until the catalogue is <a href={sitePath(site.id, 'publish')}>published</a>.
          </p>
        )}
      </section>

      <section class="editor-section" aria-labelledby="examples-heading">
        <h2 id="examples-heading">Gating tags until consent</h2>
        <p>
          Mark each tag with <code>type="text/plain"</code> and <code>data-category</code>; use <code>data-src</code>{' '}
          instead of <code>src</code>. The service ids are examples: use those in your catalogue.
        </p>
        {EXAMPLES(origin, site.id).map((ex) => (
          <div key={ex.title} class="example">
            <h3>{ex.title}</h3>
            <pre class="code">
              <code>{ex.code}</code>
            </pre>
            <p class="muted">{ex.note}</p>
            <CopyButton text={ex.code} label={`Copy the ${ex.title} example`} />
          </div>
        ))}
      </section>

      <section class="editor-section" aria-labelledby="checker-heading">
        <h2 id="checker-heading">Check your page</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault()
            setFindings(checkInstall(html, { siteId: site.id, ...known }))
          }}
        >
          <div class="field">
            <label for="install-html">Paste your page’s HTML</label>
            <textarea id="install-html" rows={10} spellcheck={false} class="mono" value={html} onInput={(e) => setHtml(e.currentTarget.value)} />
            <p class="hint">Checked in your browser only: nothing is sent or loaded. {against}</p>
          </div>
          <button type="submit" class="primary" disabled={!html.trim()}>
            Check
          </button>
        </form>
        <div role="status" class="check-summary">
          {findings && (
            <p>
              {counted(findings.filter((f) => f.severity === 'problem').length, 'problem')},{' '}
              {counted(findings.filter((f) => f.severity === 'warning').length, 'warning')},{' '}
              {counted(findings.filter((f) => f.severity === 'ok').length, 'element')} fine.
            </p>
          )}
        </div>
        {findings && findings.length > 0 && (
          <ul class="findings">
            {findings.map((f, i) => (
              <li key={i} class={`finding is-${f.severity}`}>
                <strong>{SEVERITY_LABELS[f.severity]}:</strong> <code>{f.element}</code>
                <p>{f.message}</p>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  )
}
