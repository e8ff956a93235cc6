// Site settings: name, domains, language, cookie, privacy, Google Consent Mode options, the site's
// own region modes (SPEC §6) and its legal documents. The form holds strings while the user types;
// `toInput` turns them into what PUT /settings takes, leaving any field the form does not show as
// it was loaded, but for the retention, sent only when the owner changed or confirmed it (the server
// signs the retention a save sends; one it did not sign, perhaps edited in the database, pauses
// the site's purge, and the page says so). Retention and the IP policy are the owner's to change
// (editors see them read-only; an owner lowered to editor meanwhile gets them back as saved), and a
// save is based on the version loaded: one made over someone else's newer save is refused. Owners
// may also delete a site that never had visitors' records (components/DeleteSite.tsx).
import { consentCookieMismatch, OWNER_ONLY_SETTINGS, siteSettingsInput, siteSettingsResponse, slug, type ConsentCookieMismatch, type Role, type SiteSettings, type SiteSettingsFormInput } from '@miniconsent/shared'
import { EVERYWHERE, normalizeRegion, REGION_MODES, resolveMode, type RegionMode } from '@miniconsent/shared/regions'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { catalogueState, type CatalogueState } from '../api-shapes'
import { EditableContext, Field, IssueSummary, issuesByPath, SelectField, TextField, type Issues } from '../components/fields'
import { errorText, LoadGate, siteRoute, useActionState, useLoad, type SitePageProps } from '../components/site-page'
import { withLocalTimes } from '../format'
import { canEdit, siteApi, useSession } from '../session'
import { useUnsavedChanges } from '../unsaved-changes'
import { useDocumentTitle } from '../use-document-title'
import { SaveBar, type SaveState } from '../components/SaveBar'
import { DeleteSite } from '../components/DeleteSite'
import { EditsNotKept, RoleLoweredNotice, useRoleLowered } from '../components/EditsNotKept'
import { AddRowButton, ScrollTable, RemoveRowButton } from '../components/editable-table'
import { ConsentCookieWarning, FixInEditor } from '../components/ConsentCookieCheck'

export const SettingsRoute = siteRoute('settings', SettingsPage)

function SettingsPage({ site }: SitePageProps) {
  const { api } = useSession()
  useDocumentTitle(`Site settings — ${site.name}`)
  const load = useLoad((signal) => api.request(siteApi(site.id, '/catalogue'), catalogueState, { signal }), [site.id])
  // As the settings form last learnt it (a save that confirmed it) for the data it was loaded with,
  // else as loaded: the Delete dialog says what an unsigned one means. Unknown (null) while the
  // settings are not loaded, or failed to: the dialog must not take that for signed.
  const [savedRetention, setSavedRetention] = useState<{ of: CatalogueState; signed: boolean } | null>(null)
  const retentionSigned =
    load.state.status !== 'loaded' ? null : savedRetention?.of === load.state.data ? savedRetention.signed : load.state.data.retentionSigned !== false
  return (
    <>
      <h1>Site settings — {site.name}</h1>
      <LoadGate state={load.state} what="the site settings" onRetry={load.reload}>
        {(state) => (
          // A reload after a conflict brings a newer version: the form starts afresh from it.
          <SettingsEditor
            key={state.settingsUpdatedAt ?? ''}
            siteId={site.id}
            role={site.role}
            initial={state.settings}
            initialVersion={state.settingsUpdatedAt}
            initialRetentionSigned={state.retentionSigned !== false}
            onRetentionSigned={(signed) => setSavedRetention({ of: state, signed })}
            draft={state.draft}
            onReload={load.reload}
          />
        )}
      </LoadGate>
      {/* For owners; another role sees only a notice, when a deletion under way ended with a role lowered meanwhile. */}
      <DeleteSite site={site} retentionSigned={retentionSigned} />
    </>
  )
}

interface RegionRow {
  code: string
  mode: RegionMode
}

interface DocumentRow {
  /** The document's type, as the site passes it to acceptDocument(type). */
  type: string
  version: string
  url: string
}

interface Form {
  name: string
  domains: string
  defaultLanguage: string
  privacyPolicyUrl: string
  cookieName: string
  cookieLifetimeDays: string
  ipPolicy: SiteSettings['ipPolicy']
  retentionDays: string
  reloadOnRevoke: boolean
  consentModeWaitForUpdate: string
  adsDataRedaction: boolean
  urlPassthrough: boolean
  regions: RegionRow[]
  /** `regions['*']` (shared regions.ts EVERYWHERE): '' to follow the built-in table. */
  everywhere: RegionMode | ''
  documents: DocumentRow[]
  /**
   * The owner confirms the retention as stored, though unchanged: only then (or when it is changed)
   * does a save send `retentionDays`, which the server signs (a routine save must not vouch for a
   * retention edited outside MiniConsent).
   */
  confirmRetention: boolean
}

function toForm(s: SiteSettings): Form {
  return {
    name: s.name,
    domains: s.domains.join('\n'),
    defaultLanguage: s.defaultLanguage,
    privacyPolicyUrl: s.privacyPolicyUrl ?? '',
    cookieName: s.cookieName,
    cookieLifetimeDays: String(s.cookieLifetimeDays),
    ipPolicy: s.ipPolicy,
    retentionDays: String(s.retentionDays),
    reloadOnRevoke: s.reloadOnRevoke,
    consentModeWaitForUpdate: String(s.consentModeWaitForUpdate),
    adsDataRedaction: s.adsDataRedaction,
    urlPassthrough: s.urlPassthrough,
    regions: Object.entries(s.regions)
      .filter(([code]) => code !== EVERYWHERE)
      .map(([code, mode]) => ({ code, mode })),
    everywhere: s.regions[EVERYWHERE] ?? '',
    documents: Object.entries(s.documents).map(([type, d]) => ({ type, version: d.version, url: d.url })),
    confirmRetention: false,
  }
}

const regionKey = (code: string) => code.trim().toUpperCase()

/**
 * The PUT body: what was loaded (less the id), with the form's fields over it. The retention only
 * when the owner changed or confirmed it: the server signs the retention a save sends, and the purge
 * acts only on a signed one, so resending a retention edited in the database would vouch for it.
 */
function toInput(loaded: SiteSettings, f: Form) {
  const { id: _id, retentionDays: _retentionDays, ...rest } = loaded
  const sendsRetention = f.confirmRetention || f.retentionDays !== String(loaded.retentionDays)
  const privacyPolicyUrl = f.privacyPolicyUrl.trim()
  const body: Record<string, unknown> = {
    ...rest,
    name: f.name,
    domains: f.domains
      .split('\n')
      .map((d) => d.trim())
      .filter(Boolean),
    defaultLanguage: f.defaultLanguage.trim(),
    cookieName: f.cookieName.trim(),
    cookieLifetimeDays: Number(f.cookieLifetimeDays),
    ipPolicy: f.ipPolicy,
    ...(sendsRetention ? { retentionDays: Number(f.retentionDays) } : {}),
    reloadOnRevoke: f.reloadOnRevoke,
    consentModeWaitForUpdate: Number(f.consentModeWaitForUpdate),
    adsDataRedaction: f.adsDataRedaction,
    urlPassthrough: f.urlPassthrough,
    regions: Object.fromEntries([...f.regions.map((r) => [regionKey(r.code), r.mode]), ...(f.everywhere ? [[EVERYWHERE, f.everywhere]] : [])]),
    documents: Object.fromEntries(f.documents.map((d) => [d.type.trim(), { version: d.version.trim(), url: d.url.trim() }])),
  }
  // Null removes the link: left out, the server would keep the stored one.
  body.privacyPolicyUrl = privacyPolicyUrl || null
  return body
}

const LABELS: Record<string, string> = {
  name: 'Site name',
  domains: 'Domains',
  defaultLanguage: 'Default language',
  privacyPolicyUrl: 'Privacy policy URL',
  cookieName: 'Cookie name',
  cookieLifetimeDays: 'Cookie lifetime (days)',
  ipPolicy: 'IP addresses',
  retentionDays: 'Keep consent records for (days)',
  reloadOnRevoke: 'Reload the page after a revocation',
  consentModeWaitForUpdate: 'Wait for the visitor’s choice (ms)',
  adsDataRedaction: 'Redact ad click identifiers while ad storage is denied',
  urlPassthrough: 'Pass ad click identifiers through links while storage is denied',
}

const DOCUMENT_FIELDS: Record<string, string> = { type: 'document', version: 'version', url: 'URL' }

function labelFor(path: string): string {
  const row = /^regions\.(\d+)\.(code|mode)$/.exec(path)
  if (row) return `Region override ${Number(row[1]) + 1}: ${row[2] === 'code' ? 'region code' : 'mode'}`
  const doc = /^documents\.(\d+)\.(type|version|url)$/.exec(path)
  if (doc) return `Legal document ${Number(doc[1]) + 1}: ${DOCUMENT_FIELDS[doc[2]!]}`
  const top = path.split('.')[0] ?? path
  return LABELS[top] ?? path
}

/**
 * Issues keyed as the form shows them: `domains.2` on the domains box, `regions.US` (the schema's
 * and the server's path, by region code) on that row's code field `regions.<row>.code`, and
 * `documents.terms.url` on that row's field `documents.<row>.url` (the type field for the key's own).
 */
function formIssues(raw: Issues, f: Form): Issues {
  const out: Issues = {}
  for (const [path, message] of Object.entries(raw)) {
    const [top, key, ...more] = path.split('.')
    let target = path
    if (top === 'domains') target = 'domains'
    else if (top === 'regions' && key !== undefined) {
      const i = f.regions.findIndex((r) => regionKey(r.code) === key)
      target = i >= 0 ? `regions.${i}.${more.length ? 'mode' : 'code'}` : 'regions'
    } else if (top === 'documents' && key !== undefined) {
      // The last row of a type is the one the body keeps (Object.fromEntries).
      const i = f.documents.map((d) => d.type.trim()).lastIndexOf(key)
      const field = more[0] === 'version' || more[0] === 'url' ? more[0] : 'type'
      target = i >= 0 ? `documents.${i}.${field}` : 'documents'
    } else if (top) target = top
    if (!(target in out)) out[target] = message
  }
  return out
}

function clientIssues(loaded: SiteSettings, f: Form): Issues {
  const out: Issues = {}
  const seen = new Set<string>()
  f.regions.forEach((r, i) => {
    const key = regionKey(r.code)
    if (!normalizeRegion(key) || key !== r.code.trim().toUpperCase()) {
      out[`regions.${i}.code`] = 'use a country code such as "DE" or a subdivision such as "US-CA"'
    } else if (seen.has(key)) {
      out[`regions.${i}.code`] = `${key} is already listed above`
    }
    seen.add(key)
  })
  const types = new Set<string>()
  f.documents.forEach((d, i) => {
    const type = d.type.trim()
    // The schema's message for a bad record key is only "Invalid key in record": ask the key's own schema.
    const keyIssue = slug.safeParse(type).error?.issues[0]?.message
    if (!type) out[`documents.${i}.type`] = 'name the document, e.g. "terms" or "privacy"'
    else if (keyIssue) out[`documents.${i}.type`] = keyIssue
    else if (types.has(type)) out[`documents.${i}.type`] = `"${type}" is already listed above`
    types.add(type)
  })
  for (const key of ['cookieLifetimeDays', 'retentionDays'] as const) {
    if (!/^\d+$/.test(f[key].trim())) out[key] = 'enter a whole number of days'
  }
  if (!/^\d+$/.test(f.consentModeWaitForUpdate.trim())) out.consentModeWaitForUpdate = 'enter a whole number of milliseconds'
  const parsed = siteSettingsInput.safeParse(toInput(loaded, f))
  const schema = parsed.success ? {} : formIssues(issuesByPath(parsed.error.issues), f)
  return { ...schema, ...out }
}

/** Why an editor sees these read-only (SPEC §8: the server refuses an editor's change to them). */
const OWNER_ONLY_HINTS = {
  ipPolicy: 'Only an owner can change this: it decides what is kept of visitors’ personal data.',
  retentionDays: 'Only an owner can change this: it decides when consent records and the audit log are erased.',
}

type OwnerOnly = (typeof OWNER_ONLY_SETTINGS)[number]

const OWNER_ONLY_WHAT: Record<OwnerOnly, string> = {
  ipPolicy: 'what is stored of visitors’ IP addresses',
  retentionDays: 'how long consent records and the audit log are kept',
}

/**
 * `settings`: the owner's settings changed by someone lowered to editor; `othersKept`: they had
 * changed others too. Their save was refused as a whole (403 owner_only_setting): those were not
 * saved either.
 */
function ownerEditsNotKept(settings: OwnerOnly[], othersKept: boolean): string {
  const one = settings.length === 1
  const what = settings.map((key) => OWNER_ONLY_WHAT[key]).join(' or ')
  const others = othersKept ? ' Your other changes were not saved either; they are still here for you to save.' : ''
  const kept = one ? 'that change was not kept and the field shows the saved value' : 'those changes were not kept and the fields show the saved values'
  return `Not saved: your role on this site no longer lets you change ${what}, so ${kept}.${others}`
}

function SettingsEditor({
  siteId,
  role,
  initial,
  initialVersion,
  initialRetentionSigned,
  onRetentionSigned,
  draft,
  onReload,
}: {
  siteId: string
  role: Role
  initial: SiteSettings
  /** `settingsUpdatedAt` of what was loaded, sent back as `baseUpdatedAt`. */
  initialVersion: string | undefined
  /** Whether the stored retention bears the server's signature (false: the purge of the site is paused). */
  initialRetentionSigned: boolean
  /** Told whether it does, as loaded and after each save. */
  onRetentionSigned: (signed: boolean) => void
  /** The catalogue's draft as loaded with the settings, checked after a save that changes the consent cookie. */
  draft: CatalogueState['draft']
  onReload: () => void
}) {
  const { api, refreshMe } = useSession()
  const editable = canEdit(role)
  /** Retention and the IP policy: the owner's alone. */
  const ownerFieldsEditable = role === 'owner'
  const [loaded, setLoaded] = useState(initial)
  const [version, setVersion] = useState(initialVersion)
  const [retentionSigned, setRetentionSigned] = useState(initialRetentionSigned)
  useEffect(() => onRetentionSigned(retentionSigned), [retentionSigned])
  /** Someone saved the settings after this form was loaded: this save was refused. */
  const [conflict, setConflict] = useState(false)
  const [form, setForm] = useState<Form>(() => toForm(initial))
  const [baseline, setBaseline] = useState(() => JSON.stringify(toForm(initial)))
  const [serverIssues, setServerIssues] = useState<Issues>({})
  const [status, setStatus] = useActionState<SaveState>({})
  /** After a save that renamed the consent cookie or changed its lifetime: how the catalogue now misdeclares it. */
  const [cookieNote, setCookieNote] = useState<ConsentCookieMismatch | null>(null)
  const summary = useRef<HTMLDivElement>(null)

  const dirty = JSON.stringify(form) !== baseline
  useUnsavedChanges(editable && dirty)
  const saved = useMemo(() => toForm(loaded), [loaded])
  const ownerEdits = OWNER_ONLY_SETTINGS.filter((key) => form[key] !== saved[key])
  // An owner lowered to editor: the server refuses every save that changes the owner's settings,
  // and an editor's form shows them read-only, so changes to them could be neither saved nor undone.
  // They go back to what is saved; the other changes stay, as an editor may save them. (Lowered to
  // auditor, EditsNotKept puts the whole form back: `editable` is false by then.)
  const [ownerNotice, dismissOwnerNotice] = useRoleLowered(ownerFieldsEditable, editable && ownerEdits.length > 0, () => {
    const back = Object.fromEntries(OWNER_ONLY_SETTINGS.map((key) => [key, saved[key]])) as Pick<Form, OwnerOnly>
    setForm((f) => ({ ...f, ...back }))
    setServerIssues((prev) => Object.fromEntries(Object.entries(prev).filter(([key]) => !(key in back))))
    // The server's own refusal ("Only an owner of the site can change…") is what the notice says now.
    setStatus({})
    return ownerEditsNotKept(ownerEdits, JSON.stringify({ ...form, ...back }) !== baseline)
  })
  const local = useMemo(() => clientIssues(loaded, form), [loaded, form])
  const issues = { ...local, ...serverIssues }

  function set<K extends keyof Form>(key: K, value: Form[K]) {
    setForm((f) => ({ ...f, [key]: value }))
    setServerIssues((prev) => {
      const next = { ...prev }
      delete next[key]
      return next
    })
    setStatus({})
  }

  /** Replaces a table's rows; the server's issues about that table no longer match its rows. */
  function setRows<K extends 'regions' | 'documents'>(key: K, rows: Form[K]) {
    setForm((f) => ({ ...f, [key]: rows }))
    setServerIssues((prev) => Object.fromEntries(Object.entries(prev).filter(([k]) => !k.startsWith(key))))
    setStatus({})
  }

  async function save() {
    dismissOwnerNotice()
    if (Object.keys(local).length) {
      setStatus({ error: 'Not saved: fix the problems listed above first.' })
      requestAnimationFrame(() => summary.current?.querySelector<HTMLElement>('.form-error')?.focus())
      return
    }
    setStatus({ saving: true })
    try {
      // The version this form was loaded with: a save made since by someone else is not overwritten (409).
      const body = { ...toInput(loaded, form), ...(version ? { baseUpdatedAt: version } : {}) } as SiteSettingsFormInput
      const answer = await api.request(siteApi(siteId, '/settings'), siteSettingsResponse, { method: 'PUT', body })
      const { settings, settingsUpdatedAt } = answer
      setVersion(settingsUpdatedAt)
      if (answer.retentionSigned !== undefined) setRetentionSigned(answer.retentionSigned)
      setConflict(false)
      setLoaded(settings)
      setForm(toForm(settings))
      setBaseline(JSON.stringify(toForm(settings)))
      setServerIssues({})
      setStatus({ saved: true })
      // The catalogue declares the cookie (shared own-storage.ts) and does not follow the settings.
      const cookieChanged = settings.cookieName !== loaded.cookieName || settings.cookieLifetimeDays !== loaded.cookieLifetimeDays
      setCookieNote(cookieChanged ? consentCookieMismatch(settings, draft) : null)
      // The site's name shows in the site switcher.
      if (settings.name !== loaded.name) refreshMe().catch(() => undefined)
    } catch (err) {
      if (err instanceof ApiRequestError && err.code === 'settings_conflict') {
        setConflict(true)
        // Saving again is refused the same way: this form stays based on the version it loaded.
        setStatus({
          error: `Not saved: ${withLocalTimes(errorText(err)).replace(/\.?$/, '.')} Reloading discards your edits here: make them again after it.`,
        })
        return
      }
      if (err instanceof ApiRequestError && err.issues.length) setServerIssues(formIssues(issuesByPath(err.issues), form))
      setStatus({ error: `Not saved: ${errorText(err)}` }, err)
      requestAnimationFrame(() => summary.current?.querySelector<HTMLElement>('.form-error')?.focus())
    }
  }

  return (
    <EditableContext.Provider value={editable}>
      <p class="muted">These settings apply to visitors as soon as they are saved; they are not part of the draft.</p>
      {!editable && <p class="notice">You can read these settings; as an auditor you cannot change them.</p>}
      <EditsNotKept
        editable={editable}
        dirty={dirty}
        what="settings"
        revert={() => {
          setForm(toForm(loaded))
          setServerIssues({})
          setConflict(false)
          setStatus({})
        }}
      />
      <RoleLoweredNotice text={ownerNotice} />
      <div ref={summary}>
        <IssueSummary what="settings" issues={issues} labelFor={labelFor} id="settings-issues" />
      </div>

      <section aria-labelledby="settings-site-heading" class="editor-section">
        <h2 id="settings-site-heading">Site</h2>
        <div class="grid-fields">
          <TextField path="name" label={LABELS.name!} issues={issues} value={form.name} onValue={(v) => set('name', v)} />
          <TextField
            path="defaultLanguage"
            label={LABELS.defaultLanguage!}
            issues={issues}
            value={form.defaultLanguage}
            spellcheck={false}
            size={8}
            hint="A language tag such as en, de or pt-BR."
            onValue={(v) => set('defaultLanguage', v)}
          />
          <TextField
            path="privacyPolicyUrl"
            type="url"
            label={LABELS.privacyPolicyUrl!}
            issues={issues}
            value={form.privacyPolicyUrl}
            spellcheck={false}
            hint="Optional; linked from the banner."
            onValue={(v) => set('privacyPolicyUrl', v)}
          />
        </div>
        <Field path="domains" label={LABELS.domains!} issues={issues} hint="One hostname per line, e.g. www.example.com.">
          {(a11y) => (
            <textarea {...a11y} rows={4} spellcheck={false} readOnly={!editable} value={form.domains} onInput={(e) => set('domains', e.currentTarget.value)} />
          )}
        </Field>
      </section>

      <section aria-labelledby="settings-cookie-heading" class="editor-section">
        <h2 id="settings-cookie-heading">Consent cookie and records</h2>
        <div class="grid-fields">
          <TextField path="cookieName" label={LABELS.cookieName!} issues={issues} value={form.cookieName} spellcheck={false} onValue={(v) => set('cookieName', v)} />
          <NumberField path="cookieLifetimeDays" label={LABELS.cookieLifetimeDays!} min={1} max={396} hint="1 to 396 days (13 months at most)." issues={issues} editable={editable} value={form.cookieLifetimeDays} onValue={(v) => set('cookieLifetimeDays', v)} />
          <EditableContext.Provider value={editable && ownerFieldsEditable}>
            <SelectField
              path="ipPolicy"
              label={LABELS.ipPolicy!}
              issues={issues}
              value={form.ipPolicy}
              options={[
                { value: 'truncate', label: 'Store truncated (IPv4 /24, IPv6 /48)' },
                { value: 'none', label: 'Do not store' },
              ]}
              {...(editable && !ownerFieldsEditable ? { hint: OWNER_ONLY_HINTS.ipPolicy } : {})}
              onValue={(v) => set('ipPolicy', v as Form['ipPolicy'])}
            />
          </EditableContext.Provider>
          <NumberField
            path="retentionDays"
            label={LABELS.retentionDays!}
            min={1}
            max={3660}
            issues={issues}
            editable={editable && ownerFieldsEditable}
            {...(editable && !ownerFieldsEditable ? { hint: OWNER_ONLY_HINTS.retentionDays } : {})}
            value={form.retentionDays}
            onValue={(v) => set('retentionDays', v)}
          />
        </div>
        {!retentionSigned && (
          <UnsignedRetention
            days={loaded.retentionDays}
            canConfirm={editable && ownerFieldsEditable}
            confirmed={form.confirmRetention}
            onConfirm={(v) => set('confirmRetention', v)}
          />
        )}
        <div class="check">
          <input type="checkbox" id="settings-reload" disabled={!editable} checked={form.reloadOnRevoke} onChange={(e) => set('reloadOnRevoke', e.currentTarget.checked)} />
          <label for="settings-reload">{LABELS.reloadOnRevoke}</label>
        </div>
        <ConsentCookieWarning mismatch={cookieNote} action={() => <FixInEditor siteId={siteId} editable={editable} />} />
      </section>

      <section aria-labelledby="settings-consent-mode-heading" class="editor-section">
        <h2 id="settings-consent-mode-heading">Google Consent Mode</h2>
        <div class="grid-fields">
          <NumberField
            path="consentModeWaitForUpdate"
            label={LABELS.consentModeWaitForUpdate!}
            min={0}
            max={10000}
            hint="How long Google tags wait for the banner’s answer before they send with the defaults (wait_for_update), 0 to 10,000."
            issues={issues}
            editable={editable}
            value={form.consentModeWaitForUpdate}
            onValue={(v) => set('consentModeWaitForUpdate', v)}
          />
        </div>
        <Check
          id="settings-ads-redaction"
          label={LABELS.adsDataRedaction!}
          hint="ads_data_redaction: while ad storage is denied, Google tags drop ad click identifiers from the requests they still send."
          editable={editable}
          checked={form.adsDataRedaction}
          onChecked={(v) => set('adsDataRedaction', v)}
        />
        <Check
          id="settings-url-passthrough"
          label={LABELS.urlPassthrough!}
          hint="url_passthrough: while storage is denied, click and session identifiers travel in the URLs of links to the site instead of in cookies."
          editable={editable}
          checked={form.urlPassthrough}
          onChecked={(v) => set('urlPassthrough', v)}
        />
      </section>

      <RegionsSection
        rows={form.regions}
        everywhere={form.everywhere}
        issues={issues}
        editable={editable}
        onRows={(rows) => setRows('regions', rows)}
        onEverywhere={(mode) => set('everywhere', mode)}
      />

      <DocumentsSection rows={form.documents} issues={issues} editable={editable} onRows={(rows) => setRows('documents', rows)} />

      {editable && (
        <SaveBar what="settings" state={status} dirty={dirty} onSave={save}>
          {conflict && (
            <button type="button" onClick={onReload}>
              Reload the settings
            </button>
          )}
        </SaveBar>
      )}
    </EditableContext.Provider>
  )
}

/** A checkbox with a one-line explanation under it, read out with the box. */
function Check(props: { id: string; label: string; hint: string; editable: boolean; checked: boolean; onChecked: (v: boolean) => void }) {
  return (
    <div class="check-with-hint">
      <div class="check">
        <input
          type="checkbox"
          id={props.id}
          aria-describedby={`${props.id}-hint`}
          disabled={!props.editable}
          checked={props.checked}
          onChange={(e) => props.onChecked(e.currentTarget.checked)}
        />
        <label for={props.id}>{props.label}</label>
      </div>
      <p id={`${props.id}-hint`} class="hint">
        {props.hint}
      </p>
    </div>
  )
}

function NumberField(props: {
  path: string
  label: string
  min: number
  max: number
  hint?: string
  issues: Issues
  editable: boolean
  value: string
  onValue: (v: string) => void
}) {
  return (
    <Field path={props.path} label={props.label} issues={props.issues} {...(props.hint ? { hint: props.hint } : {})}>
      {(a11y) => (
        <input
          {...a11y}
          type="number"
          inputMode="numeric"
          min={props.min}
          max={props.max}
          step={1}
          readOnly={!props.editable}
          value={props.value}
          onInput={(e) => props.onValue(e.currentTarget.value)}
        />
      )}
    </Field>
  )
}

const MODE_LABELS: Record<RegionMode, string> = {
  'opt-in': 'Opt-in (ask before any tracking)',
  'opt-out': 'Opt-out (track until the visitor says no)',
  notice: 'Notice only',
}

/** The choices for every region the list does not name: a floor over the built-in table. */
const EVERYWHERE_OPTIONS = [
  { value: '', label: 'The built-in table' },
  { value: 'opt-out', label: 'Opt-out at least: a way out where the table only informs' },
  { value: 'opt-in', label: 'Opt-in everywhere: ask every visitor first' },
]

function RegionsSection(props: {
  rows: RegionRow[]
  everywhere: RegionMode | ''
  issues: Issues
  editable: boolean
  onRows: (rows: RegionRow[]) => void
  onEverywhere: (mode: RegionMode | '') => void
}) {
  const { rows, issues, editable, onRows } = props
  const update = (i: number, patch: Partial<RegionRow>) => onRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  return (
    <section aria-labelledby="settings-regions-heading" class="editor-section">
      <h2 id="settings-regions-heading">Region overrides</h2>
      <p class="muted" id="regions-hint">
        The mode for a region comes from this list first, then from the built-in table (opt-in in the EEA, the UK and
        Switzerland; opt-out in US states with a privacy law; notice elsewhere). A subdivision such as US-CA beats its
        country. <i>Everywhere else</i> makes every region this list does not name at least that strict: opt-in
        everywhere for a business the GDPR binds wherever its visitors are.
      </p>
      <SelectField
        path={`regions.${EVERYWHERE}`}
        label="Everywhere else"
        issues={issues}
        value={props.everywhere}
        options={props.everywhere === 'notice' ? [...EVERYWHERE_OPTIONS, { value: 'notice', label: 'Notice at least (as the built-in table)' }] : EVERYWHERE_OPTIONS}
        onValue={(v) => props.onEverywhere(v as RegionMode | '')}
      />
      {issues.regions && <p class="field-error">{issues.regions}</p>}
      {rows.length === 0 ? (
        <p class="empty">No overrides: {props.everywhere ? 'the built-in table and the choice above apply.' : 'the built-in table applies everywhere.'}</p>
      ) : (
        <ScrollTable id="regions" caption="Regions and their modes" describedBy="regions-hint" columns={['Region code', 'Mode', 'Built-in default']} actions={editable}>
          {rows.map((r, i) => {
            const row = `row ${i + 1}`
            const code = normalizeRegion(r.code)
            return (
              <tr key={i}>
                <td>
                  <TextField
                    class="cell"
                    hiddenLabel
                    path={`regions.${i}.code`}
                    label={`Region code, ${row}`}
                    issues={issues}
                    value={r.code}
                    size={7}
                    spellcheck={false}
                    placeholder="US-CA"
                    onValue={(v) => update(i, { code: v })}
                  />
                </td>
                <td>
                  <SelectField
                    class="cell"
                    hiddenLabel
                    path={`regions.${i}.mode`}
                    label={`Mode, ${row}`}
                    issues={issues}
                    value={r.mode}
                    options={REGION_MODES.map((m) => ({ value: m, label: MODE_LABELS[m] }))}
                    onValue={(v) => update(i, { mode: v as RegionMode })}
                  />
                </td>
                <td data-testid={`region-default-${i}`}>{code ? resolveMode(code) : '—'}</td>
                {editable && (
                  <td>
                    <RemoveRowButton name={code ?? row} onRemove={() => onRows(rows.filter((_, j) => j !== i))} />
                  </td>
                )}
              </tr>
            )
          })}
        </ScrollTable>
      )}
      {editable && <AddRowButton label="Add region override" focusPath={`regions.${rows.length}.code`} onAdd={() => onRows([...rows, { code: '', mode: 'opt-in' }])} />}
    </section>
  )
}

function DocumentsSection({ rows, issues, editable, onRows }: { rows: DocumentRow[]; issues: Issues; editable: boolean; onRows: (rows: DocumentRow[]) => void }) {
  const update = (i: number, patch: Partial<DocumentRow>) => onRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  return (
    <section aria-labelledby="settings-documents-heading" class="editor-section">
      <h2 id="settings-documents-heading">Legal documents</h2>
      <p class="muted" id="documents-hint">
        Documents visitors accept on the site, such as terms of service. The site calls{' '}
        <code>miniconsent.acceptDocument('terms')</code> and the version listed here is recorded with the acceptance;
        raise the version when the text changes.
      </p>
      {issues.documents && <p class="field-error">{issues.documents}</p>}
      {rows.length === 0 ? (
        <p class="empty">No legal documents.</p>
      ) : (
        <ScrollTable id="documents" caption="Legal documents and their versions" describedBy="documents-hint" columns={['Document', 'Version', 'URL']} actions={editable}>
          {rows.map((d, i) => {
            const row = `row ${i + 1}`
            return (
              <tr key={i}>
                <td>
                  <TextField class="cell" hiddenLabel path={`documents.${i}.type`} label={`Document, ${row}`} issues={issues} value={d.type} size={12} spellcheck={false} placeholder="terms" onValue={(v) => update(i, { type: v })} />
                </td>
                <td>
                  <TextField class="cell" hiddenLabel path={`documents.${i}.version`} label={`Version, ${row}`} issues={issues} value={d.version} size={10} spellcheck={false} placeholder="2025-01" onValue={(v) => update(i, { version: v })} />
                </td>
                <td>
                  <TextField class="cell" hiddenLabel type="url" path={`documents.${i}.url`} label={`URL, ${row}`} issues={issues} value={d.url} size={30} spellcheck={false} placeholder="https://example.com/terms" onValue={(v) => update(i, { url: v })} />
                </td>
                {editable && (
                  <td>
                    <RemoveRowButton name={d.type.trim() || row} onRemove={() => onRows(rows.filter((_, j) => j !== i))} />
                  </td>
                )}
              </tr>
            )
          })}
        </ScrollTable>
      )}
      {editable && <AddRowButton label="Add legal document" focusPath={`documents.${rows.length}.type`} onAdd={() => onRows([...rows, { type: '', version: '', url: '' }])} />}
    </section>
  )
}

/**
 * Next to the retention field, when the stored retention bears no signature of the server: it may
 * have been written into the database, and the purge of the site is paused until an owner confirms
 * it (the save then sends it, and the server signs it) or changes it.
 */
function UnsignedRetention({ days, canConfirm, confirmed, onConfirm }: { days: number; canConfirm: boolean; confirmed: boolean; onConfirm: (v: boolean) => void }) {
  return (
    <div class="notice" id="settings-retention-unsigned">
      <p>
        The stored retention of {days} days bears no signature of this server: it may have been edited outside MiniConsent (or saved by an older version), so
        purging of this site’s records is paused until it is confirmed.{' '}
        {canConfirm ? 'Check it, then confirm it (or change it) and save the settings.' : 'Only an owner of the site can confirm it.'}
      </p>
      {canConfirm && (
        <div class="check">
          <input type="checkbox" id="settings-confirm-retention" checked={confirmed} onChange={(e) => onConfirm(e.currentTarget.checked)} />
          <label for="settings-confirm-retention">Confirm this retention of {days} days</label>
        </div>
      )}
    </div>
  )
}
