import { useLocation } from 'preact-iso'
import type { Ref } from 'preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiRequestError, fileNameOf, filterParams, type LogFilters } from '../api'
import { exportManifest, type ExportManifest } from '../api-shapes'
import { ActionButton } from '../components/actions'
import { describeFilters, filtersFromQuery, LogFiltersForm, withFilters } from '../components/LogFiltersForm'
import { errorText, siteRoute, useActionState, type SitePageProps } from '../components/site-page'
import { recordCounter } from '../export-count'
import { formatCount, formatTime } from '../format'
import { siteApi, sitePath, useSession, type Session } from '../session'
import { useDocumentTitle } from '../use-document-title'

export const ExportRoute = siteRoute('export', ExportPage)

type Format = 'csv' | 'ndjson'

interface Progress {
  rows: number
  bytes: number
}

type Run =
  | { status: 'idle' }
  | { status: 'running'; progress: Progress }
  | { status: 'failed'; message: string; progress: Progress | null }
  | {
      status: 'done'
      progress: Progress
      file: { url: string; name: string; sha256: string }
      /** The server's id of the export (X-Export-Id), which its manifest is fetched by. */
      exportId: string | null
      /** The manifest is being fetched again from its button (which stays, focused, meanwhile). */
      retrying?: boolean
      manifest: { manifest: ExportManifest; url: string } | { error: string } | null
    }

function formatBytes(n: number): string {
  if (n < 1024) return `${formatCount(n)} bytes`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}

/** Where the server publishes the keys that check manifest signatures (public, no session). */
const MANIFEST_KEYS_URL = '/api/v1/manifest-keys'

/**
 * The manifest is written when the stream ends; give the server a moment if it is not there yet.
 * Kept as the server sent it (`raw`): its signature covers those fields, so the download must
 * not pass through the schema, which would drop a field it does not know.
 */
async function fetchManifest(api: Session['api'], siteId: string, exportId: string): Promise<{ manifest: ExportManifest; raw: unknown }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await api.stream(siteApi(siteId, `/exports/${encodeURIComponent(exportId)}/manifest`))
      const raw: unknown = await res.json().catch(() => undefined)
      const parsed = exportManifest.safeParse(raw)
      if (!parsed.success) throw new ApiRequestError(res.status, 'bad_response', 'The server sent a manifest the dashboard does not understand.')
      return { manifest: parsed.data, raw }
    } catch (err) {
      if (!(err instanceof ApiRequestError && err.status === 404) || attempt >= 5) throw err
      await new Promise((r) => setTimeout(r, 300 * (attempt + 1)))
    }
  }
}

function ExportPage({ site }: SitePageProps) {
  const { api } = useSession()
  const { query, route } = useLocation()
  useDocumentTitle(`Export — ${site.name}`)
  const filters = filtersFromQuery(query)
  const filterKey = filterParams(filters).toString()
  const [format, setFormat] = useState<Format>('csv')
  const [latest, setRun] = useActionState<Run>({ status: 'idle' })
  /** The filters the latest export ran with. */
  const [runFilters, setRunFilters] = useState(filterKey)
  // A finished export (or its failure) is of the filters it ran with: under others it is not shown,
  // nor is its manifest still on its way; one still running is.
  const run: Run = latest.status === 'running' || runFilters === filterKey ? latest : { status: 'idle' }
  const controller = useRef<AbortController | null>(null)
  const urls = useRef<string[]>([])
  const cancelButton = useRef<HTMLButtonElement>(null)
  /** The sentence saying how the export ended (completed, failed, cancelled). */
  const outcome = useRef<HTMLParagraphElement>(null)
  /** Cancel had keyboard focus when the export ended: it goes, so focus moves to the sentence (as OutcomeStatus does). */
  const focusOutcome = useRef(false)
  useEffect(() => {
    if (!focusOutcome.current || latest.status === 'running') return
    focusOutcome.current = false
    outcome.current?.focus()
  }, [latest])

  /** The export ended: `next` replaces the running state, and the Cancel button goes. */
  function end(next: Run, err?: unknown) {
    focusOutcome.current = cancelButton.current !== null && document.activeElement === cancelButton.current
    setRun(next, err)
  }

  useEffect(
    () => () => {
      controller.current?.abort()
      urls.current.forEach((u) => URL.revokeObjectURL(u))
    },
    [],
  )

  async function start() {
    controller.current?.abort()
    const abort = new AbortController()
    controller.current = abort
    setRunFilters(filterKey)
    const progress: Progress = { rows: 0, bytes: 0 }
    setRun({ status: 'running', progress: { ...progress } })
    const counter = recordCounter(format)
    try {
      const params = filterParams(filters)
      params.set('format', format)
      const res = await api.stream(siteApi(site.id, `/export?${params}`), abort.signal)
      const exportId = res.headers.get('X-Export-Id')
      const chunks: Uint8Array[] = []
      const reader = res.body?.getReader()
      if (!reader) throw new Error('The browser cannot read the export as it arrives.')
      let lastPaint = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        chunks.push(value)
        progress.bytes += value.byteLength
        counter.add(value)
        progress.rows = counter.records
        const now = performance.now()
        if (now - lastPaint > 100) {
          lastPaint = now
          setRun({ status: 'running', progress: { ...progress } })
        }
      }
      const blob = new Blob(chunks as BlobPart[], { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' })
      const url = URL.createObjectURL(blob)
      urls.current.push(url)
      const file = { url, name: fileNameOf(res, `consents-${site.id}.${format}`), sha256: await sha256Hex(blob) }
      const done = { status: 'done' as const, progress: { ...progress }, file, exportId, manifest: null }
      end(done)
      if (!exportId) {
        setRun({ ...done, manifest: { error: 'The server sent no export id, so there is no manifest.' } })
        return
      }
      await loadManifest(done, exportId, abort)
    } catch (err) {
      if (abort.signal.aborted) {
        end({ status: 'failed', message: 'Export cancelled.', progress: { ...progress } })
        return
      }
      end({ status: 'failed', message: `The export failed: ${errorText(err)}`, progress: progress.bytes ? { ...progress } : null }, err)
    }
  }

  /**
   * Fetches the manifest of the export just downloaded and shows it, or why it could not be had:
   * after the download, and again from its button (the session may have ended in between: the
   * file stays, and once signed in again the manifest can be fetched without exporting again).
   */
  async function loadManifest(done: Extract<Run, { status: 'done' }>, exportId: string, abort: AbortController, retrying = false) {
    // Not over a newer export's state (another Start export meanwhile).
    const show = (next: Run) => controller.current === abort && setRun(next)
    show({ ...done, retrying, manifest: null })
    try {
      const { manifest, raw } = await fetchManifest(api, site.id, exportId)
      const manifestUrl = URL.createObjectURL(new Blob([JSON.stringify(raw, null, 2) + '\n'], { type: 'application/json' }))
      urls.current.push(manifestUrl)
      show({ ...done, retrying, manifest: { manifest, url: manifestUrl } })
    } catch (err) {
      show({ ...done, retrying, manifest: { error: `Could not fetch the manifest: ${errorText(err)}` } })
    }
  }

  const running = run.status === 'running'
  return (
    <>
      <h1>Export — {site.name}</h1>
      <p>
        Download the consent records as a file with a manifest (row count, SHA-256 of the file and the chain head)
        signed by this server, so an auditor can later prove the file is complete and unchanged, and the manifest
        genuine.
      </p>
      <section aria-labelledby="export-filters-heading" class="editor-section">
        <h2 id="export-filters-heading">Records to export</h2>
        <LogFiltersForm
          key={filterKey}
          idPrefix="export-filter"
          filters={filters}
          withConsentId
          onApply={(f: LogFilters) => route(withFilters(sitePath(site.id, 'export'), f), true)}
        />
        <p class="muted">{filterKey ? `Filters in use: ${describeFilters(filters).join(', ')}.` : 'No filters: every record of the site.'}</p>
      </section>
      <fieldset class="format-choice">
        <legend>Format</legend>
        <div class="check">
          <input type="radio" id="format-csv" name="format" checked={format === 'csv'} onChange={() => setFormat('csv')} />
          <label for="format-csv">CSV (spreadsheets)</label>
        </div>
        <div class="check">
          <input type="radio" id="format-ndjson" name="format" checked={format === 'ndjson'} onChange={() => setFormat('ndjson')} />
          <label for="format-ndjson">NDJSON (one JSON record per line)</label>
        </div>
      </fieldset>
      <div class="actions">
        {/* Inactive rather than disabled while it runs: keyboard focus stays on it (ActionButton). */}
        <ActionButton class="primary" onClick={() => void start()} inactive={running}>
          Start export
        </ActionButton>
        {running && (
          <button type="button" ref={cancelButton} onClick={() => controller.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      {/* The live region says when the export starts and ends; the counts it goes through (new
          ones ten times a second) sit outside it, to be read, not announced over and over. */}
      <div role="status" aria-live="polite" class="export-progress">
        {run.status === 'running' && <p>Exporting…</p>}
        {run.status === 'done' && <ExportComplete run={run} sentence={outcome} />}
      </div>
      {run.status === 'running' && (
        <p class="export-progress">
          {formatCount(run.progress.rows)} records, {formatBytes(run.progress.bytes)} so far.
        </p>
      )}
      <div role="alert">
        {run.status === 'failed' && (
          <p class="form-error" ref={outcome} tabIndex={-1}>
            {run.message}
            {run.progress && ` (${formatCount(run.progress.rows)} records, ${formatBytes(run.progress.bytes)} received)`}
          </p>
        )}
      </div>
      {run.status === 'done' && (
        <ExportResult run={run} retryManifest={run.exportId === null || !controller.current ? null : () => void loadManifest(run, run.exportId!, controller.current!, true)} />
      )}
    </>
  )
}

/**
 * Once the manifest is there, its row count (the rows the server wrote) is the one shown; the
 * dashboard's own count of the file is shown beside it when the two differ.
 */
function ExportComplete({ run, sentence }: { run: Extract<Run, { status: 'done' }>; sentence: Ref<HTMLParagraphElement> }) {
  const counted = run.progress.rows
  const bytes = formatBytes(run.progress.bytes)
  const manifest = run.manifest && 'manifest' in run.manifest ? run.manifest.manifest : null
  if (!manifest || manifest.rowCount === counted) {
    return (
      <p class="ok-text" ref={sentence} tabIndex={-1}>
        Export complete: {formatCount(manifest?.rowCount ?? counted)} records, {bytes}.
      </p>
    )
  }
  return (
    <p class="field-error" ref={sentence} tabIndex={-1}>
      Export complete: {formatCount(manifest.rowCount)} records by the manifest, {bytes}. The dashboard counted {formatCount(counted)} in the
      file.
    </p>
  )
}

function ExportResult({ run, retryManifest }: { run: Extract<Run, { status: 'done' }>; retryManifest: (() => void) | null }) {
  const m = run.manifest
  const manifestName = run.file.name.replace(/\.[a-z]+$/, '') + '.manifest.json'
  // Fetched again from its button, which then goes: focus moves to the manifest's download.
  const manifestLink = useRef<HTMLAnchorElement>(null)
  useEffect(() => {
    if (!run.retrying || !m || !('manifest' in m)) return
    // Only focus that fell with the button: not where the user has moved it meanwhile.
    const active = document.activeElement
    if (!active || active === document.body || !active.isConnected) manifestLink.current?.focus()
  }, [m])
  return (
    <section aria-labelledby="export-result-heading" class="editor-section">
      <h2 id="export-result-heading">Files</h2>
      <div class="actions">
        <a class="button-link primary" href={run.file.url} download={run.file.name}>
          Download {run.file.name}
        </a>
        {m && 'manifest' in m && (
          <a class="button-link" href={m.url} download={manifestName} ref={manifestLink}>
            Download the manifest
          </a>
        )}
        {m && 'manifest' in m && m.manifest.signature !== undefined && (
          <a class="button-link" href={MANIFEST_KEYS_URL} download="manifest-keys.json">
            Download the public keys
          </a>
        )}
      </div>
      {m === null && <p role="status">Fetching the manifest…</p>}
      {m && 'error' in m && <p class="field-error">{m.error}</p>}
      {retryManifest && ((m && 'error' in m) || (m === null && run.retrying)) && (
        <div class="actions">
          <ActionButton inactive={m === null} onClick={retryManifest}>
            Fetch the manifest again
          </ActionButton>
        </div>
      )}
      {m && 'manifest' in m && (
        <dl class="facts">
          <div class="fact">
            <dt>Export ID</dt>
            <dd>
              <code>{m.manifest.exportId}</code>
            </dd>
          </div>
          <div class="fact">
            <dt>Rows (manifest)</dt>
            <dd>
              {formatCount(m.manifest.rowCount)}{' '}
              {m.manifest.rowCount === run.progress.rows ? (
                <strong class="ok-text">matches the count of the downloaded file</strong>
              ) : (
                <strong class="field-error">does not match the count of the downloaded file ({formatCount(run.progress.rows)})</strong>
              )}
            </dd>
          </div>
          <div class="fact">
            <dt>SHA-256</dt>
            <dd>
              <code>{m.manifest.sha256}</code>{' '}
              {m.manifest.sha256 === run.file.sha256 ? (
                <strong class="ok-text">matches the downloaded file</strong>
              ) : (
                <strong class="field-error">does not match the downloaded file ({run.file.sha256})</strong>
              )}
            </dd>
          </div>
          <div class="fact">
            <dt>Chain head</dt>
            <dd>
              #{m.manifest.chainHead.seq} <code>{m.manifest.chainHead.hash}</code>
            </dd>
          </div>
          <div class="fact">
            <dt>Created</dt>
            <dd>
              {formatTime(m.manifest.createdAt)}
              {m.manifest.createdBy ? ` by ${m.manifest.createdBy}` : ''}
            </dd>
          </div>
          <div class="fact">
            <dt>Signature</dt>
            <dd>
              {m.manifest.signature !== undefined && m.manifest.keyId !== undefined ? (
                <>
                  <strong class="ok-text">Signed by this server</strong> (Ed25519, key <code>{m.manifest.keyId}</code>)
                </>
              ) : (
                <strong class="field-error">Unsigned: nothing proves this manifest came from the server</strong>
              )}
            </dd>
          </div>
        </dl>
      )}
      {m && 'manifest' in m && m.manifest.signature !== undefined && (
        <p class="muted">
          To check the file and its manifest away from this server, run this from the root of a MiniConsent checkout (set
          up once with <code>npm run setup</code>), with the paths where you saved the three files:{' '}
          <code>
            npm run verify -- --manifest {manifestName} --file {run.file.name} --public-key manifest-keys.json
          </code>
        </p>
      )}
    </section>
  )
}
