import {
  catalogue as catalogueSchema,
  consentCookieMismatch,
  CONSENT_MODE_TYPES,
  declareConsentCookie,
  lifetimeExpiry,
  STORAGE_KINDS,
  VENDOR_SIGNALS,
  type Catalogue,
  type SaveDraftInput,
  type Category,
  type Service,
  type StorageEntry,
} from '@miniconsent/shared'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiRequestError, fileNameOf } from '../api'
import { saveFile } from '../download'
import { ActionButton } from '../components/actions'
import { catalogueState, type CatalogueState } from '../api-shapes'
import { draftIssuesByPath, EditableContext, fieldId, IssueSummary, issuesByPath, SelectField, TextField, type Issues } from '../components/fields'
import { errorText, LoadGate, siteRoute, useActionState, useLoad, type SitePageProps } from '../components/site-page'
import { formatTime, withLocalTimes } from '../format'
import { describeDraftPath, pageToFix } from '../draft-paths'
import { keyIn, languageAttributes, languagesOf, sameLanguage, spellingIn } from '../languages'
import { localize } from '@miniconsent/shared/localize'
import { canEdit, siteApi, sitePath, useSession } from '../session'
import { useUnsavedChanges } from '../unsaved-changes'
import { useDocumentTitle } from '../use-document-title'
import { SaveBar } from '../components/SaveBar'
import { AddRowButton, announce, focusWhenDrawn, removed, ScrollTable, RemoveRowButton } from '../components/editable-table'
import { LivePreview } from '../components/LivePreview'
import { LanguagePicker } from '../components/LanguagePicker'
import { CONFLICT_MESSAGE, DraftConflict, draftSavedMeanwhile, type Settle } from '../components/DraftConflict'
import { EditsNotKept } from '../components/EditsNotKept'
import { ConsentCookieWarning } from '../components/ConsentCookieCheck'

export const CatalogueRoute = siteRoute('catalogue', CataloguePage)

function CataloguePage({ site }: SitePageProps) {
  const { api } = useSession()
  useDocumentTitle(`Catalogue — ${site.name}`)
  const load = useLoad((signal) => api.request(siteApi(site.id, '/catalogue'), catalogueState, { signal }), [site.id])
  return (
    <>
      <h1>Catalogue — {site.name}</h1>
      <LoadGate state={load.state} what="the catalogue" onRetry={load.reload}>
        {(state) => <CatalogueEditor siteId={site.id} editable={canEdit(site.role)} initial={state} />}
      </LoadGate>
    </>
  )
}

type Path = ReadonlyArray<string | number>

/** A copy of `obj` with the value at `path` replaced; `undefined` removes an optional key. */
function setIn<T>(obj: T, path: Path, value: unknown): T {
  const copy = structuredClone(obj) as Record<string | number, unknown>
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (value === undefined) delete node[last]
  else node[last] = value
  return copy as T
}

/** `text` without its languages whose text is exactly ''; `text` itself when it has none. */
function withoutEmpty(text: Record<string, string>): Record<string, string> {
  return Object.values(text).includes('') ? Object.fromEntries(Object.entries(text).filter(([, t]) => t !== '')) : text
}

/**
 * `state` as the editor takes it: its draft's labels, descriptions and purposes without the texts
 * that are exactly ''. The editor shows one as a field not yet translated (empty, what visitors read
 * instead greyed out) and stores a field it empties as no text (`localized`); a draft stored before
 * blank texts were refused, or sent through the API, may hold one, which the save refuses ("de" has
 * no text) with nothing on screen to fix. A text of white space is left as it is: it shows, and the
 * save names it at its field, for the admin to write or empty.
 */
function asEdited(state: CatalogueState): CatalogueState {
  const d = state.draft
  const draft = {
    ...d,
    categories: d.categories.map((c) => ({ ...c, label: withoutEmpty(c.label), ...(c.description ? { description: withoutEmpty(c.description) } : {}) })),
    services: d.services.map((x) => ({ ...x, purpose: withoutEmpty(x.purpose) })),
    entries: d.entries.map((x) => ({ ...x, purpose: withoutEmpty(x.purpose) })),
  }
  return { ...state, draft }
}

function move<T>(list: T[], from: number, to: number): T[] {
  const copy = list.slice()
  const [item] = copy.splice(from, 1)
  copy.splice(to, 0, item as T)
  return copy
}

type SaveState =
  | { status: 'idle' }
  | { status: 'saving' }
  | { status: 'saved' }
  | { status: 'failed'; message: string }

export function CatalogueEditor({ siteId, editable, initial: stored }: { siteId: string; editable: boolean; initial: CatalogueState }) {
  const { api } = useSession()
  // Every state the server sends goes through asEdited, the draft the page starts from and the one
  // a conflict brings too: what is on screen, what is compared and what is saved stay one draft.
  const [initial] = useState(() => asEdited(stored))
  const [server, setServer] = useState(initial)
  const [draft, setDraft] = useState<Catalogue>(initial.draft)
  const [baseline, setBaseline] = useState(() => JSON.stringify(initial.draft))
  const [language, setLanguage] = useState(initial.settings.defaultLanguage)
  const [extraLanguages, setExtraLanguages] = useState<string[]>([])
  const [serverIssues, setServerIssues] = useState<Issues>({})
  const [showAllIssues, setShowAllIssues] = useState(false)
  const [touched, setTouched] = useState<Set<string>>(new Set())
  const [save, setSave] = useActionState<SaveState>({ status: 'idle' })
  /** The state with a draft someone saved meanwhile, while this editor decides what to do. */
  const [conflict, setConflict] = useState<CatalogueState | null>(null)
  const [note, setNote] = useState('')
  /** What "Update the declaration" did, said until the draft is saved or replaced. */
  const [declared, setDeclared] = useState('')
  const summaryRef = useRef<HTMLDivElement>(null)

  const dirty = JSON.stringify(draft) !== baseline
  useUnsavedChanges(editable && dirty)

  const languages = useMemo(() => pickerLanguages(languagesOf(draft, initial.settings.defaultLanguage), extraLanguages, language), [draft, extraLanguages, language])
  // The language chosen, as the list spells it: one added as `pt-br` is `pt-BR` once an import brings that.
  const shown = spellingIn(languages, language)!

  const clientIssues = useMemo(() => {
    const result = catalogueSchema.safeParse(draft)
    return result.success ? {} : namelessAtLabelField(issuesByPath(result.error.issues), draft, shown)
  }, [draft, shown])
  // A field's problem shows once it was left (blur) or after a save attempt; the server's always.
  const shownIssues: Issues = namelessAtLabelField({ ...serverIssues }, draft, shown)
  for (const [path, message] of Object.entries(clientIssues)) {
    if (showAllIssues || touched.has(path)) shownIssues[path] = message
  }

  const mismatch = useMemo(() => consentCookieMismatch(server.settings, draft), [server.settings, draft])

  /** The category whose id field has focus, and the id it had then. */
  const renaming = useRef<{ i: number; from: string } | null>(null)

  /**
   * A category's id field, left: its services and entries follow the id it had when the field
   * took focus to the one it has now. Not keystroke by keystroke, which carried them into another
   * category whose id a new one passed through (`marketing` on the way to `marketing-eu`); not
   * when another category has either id.
   */
  function renamed(i: number) {
    const start = renaming.current
    renaming.current = null
    if (start?.i !== i) return
    const { from } = start
    const to = draft.categories[i]?.id ?? ''
    if (!from || !to || from === to || draft.categories.some((c, j) => j !== i && (c.id === from || c.id === to))) return
    const follow = <T extends { category: string }>(list: T[]) => list.map((x) => (x.category === from ? { ...x, category: to } : x))
    setDraft((d) => ({ ...d, services: follow(d.services), entries: follow(d.entries) }))
  }

  /** What else a removal of the category `id` leaves without one, in words; null when nothing. */
  function inCategory(id: string): string | null {
    const services = draft.services.filter((s) => s.category === id).length
    const entries = draft.entries.filter((e) => e.category === id).length
    if (!id || !(services || entries)) return null
    const parts = [services && `${services} ${services === 1 ? 'service' : 'services'}`, entries && `${entries} cookie or storage ${entries === 1 ? 'entry' : 'entries'}`].filter(Boolean)
    return `${parts.join(' and ')} ${services + entries === 1 ? 'is' : 'are'} in it and will need another category.`
  }

  /**
   * The field of `text` (at `at` in the draft) in the language edited. It reads and writes the
   * text under the spelling `text` already uses for the language (`de-ch` for `de-CH`: keyIn),
   * so typing never adds a second spelling, which the save refuses. Marked with that language,
   * and, empty, showing greyed out what visitors read instead (the SDK's own fallback, `localize`,
   * which finds the site's default in any case).
   */
  function localized(text: Record<string, string>, at: Path): LocalizedField {
    const key = keyIn(text, shown)
    const { [key]: own, ...others } = text
    const instead = own ? undefined : localize(others, shown, server.settings.defaultLanguage)
    return {
      path: [...at, key].join('.'),
      value: own,
      onValue: (v) => update([...at, key], v || undefined),
      ...languageAttributes(key),
      ...(instead ? { placeholder: instead } : {}),
    }
  }

  function update(path: Path, value: unknown) {
    setDraft((d) => setIn(d, path, value))
    const key = path.join('.')
    if (serverIssues[key]) setServerIssues(({ [key]: _, ...rest }) => rest)
    if (save.status === 'saved') setSave({ status: 'idle' })
  }

  /** Declares the consent cookie as Site settings say, in the draft on screen: the admin saves and publishes it as any edit. */
  function declareCookie() {
    const { cookieName, cookieLifetimeDays } = server.settings
    const next = declareConsentCookie(server.settings, draft)
    const changed = next.entries.findIndex((e, i) => e !== draft.entries[i])
    setDraft(next)
    if (save.status === 'saved') setSave({ status: 'idle' })
    setDeclared(`The draft now declares cookie "${cookieName}", expiry ${lifetimeExpiry(cookieLifetimeDays)}: save the draft, then publish it.`)
    // The button goes with the warning: the focus goes to the entry it changed.
    focusWhenDrawn(fieldId(`entries.${changed}.name`))
  }

  function onBlurCapture(e: FocusEvent) {
    const id = (e.target as HTMLElement | null)?.id
    if (!id?.startsWith('f-')) return
    const path = Object.keys(clientIssues).find((p) => fieldId(p) === id)
    if (path && !touched.has(path)) setTouched((t) => new Set(t).add(path))
  }

  function accept(sent: CatalogueState) {
    const next = asEdited(sent)
    setServer(next)
    setDraft(next.draft)
    setBaseline(JSON.stringify(next.draft))
    setServerIssues({})
    setShowAllIssues(false)
    setTouched(new Set())
    setDeclared('')
  }

  /** `baseUpdatedAt`: the version this edit started from; a draft saved meanwhile is refused (409), not overwritten. */
  async function saveDraft(baseUpdatedAt = server.draftUpdatedAt) {
    if (save.status === 'saving') return
    setNote('')
    if (Object.keys(clientIssues).length) {
      setShowAllIssues(true)
      setSave({ status: 'failed', message: 'The draft was not saved: fix the problems listed above first.' })
      requestAnimationFrame(() => summaryRef.current?.querySelector<HTMLElement>('.form-error')?.focus())
      return
    }
    setSave({ status: 'saving' })
    try {
      const next = await api.request(siteApi(siteId, '/catalogue/draft'), catalogueState, {
        method: 'PUT',
        body: { catalogue: draft, baseUpdatedAt } satisfies SaveDraftInput,
      })
      accept(next)
      setConflict(null)
      setSave({ status: 'saved' })
    } catch (err) {
      // The draft on screen stays as it is: nothing typed is lost when a save fails.
      if (err instanceof ApiRequestError && err.issues.length) {
        setServerIssues(draftIssuesByPath(err.issues))
        requestAnimationFrame(() => summaryRef.current?.querySelector<HTMLElement>('.form-error')?.focus())
      }
      const theirs = await draftSavedMeanwhile(api, siteId, err)
      setConflict(theirs && asEdited(theirs))
      setSave({ status: 'failed', message: theirs ? CONFLICT_MESSAGE : `The draft was not saved: ${errorText(err)}` }, err)
    }
  }

  /** Continues from the draft saved meanwhile: later saves start from their version. */
  function settle(how: Settle, merged?: Catalogue) {
    const theirs = conflict!
    setConflict(null)
    setSave({ status: 'idle' })
    if (how === 'theirs') {
      accept(theirs)
      setNote('Their draft is loaded; your changes were discarded.')
      return
    }
    setServer(theirs)
    setBaseline(JSON.stringify(theirs.draft))
    if (how === 'overwrite') return void saveDraft(theirs.draftUpdatedAt)
    setDraft(merged!)
    setShowAllIssues(true)
    setNote('Merged with their draft: check it, then save the draft.')
  }

  const categoryOptions = draft.categories.map((c) => ({ value: c.id, label: c.label[keyIn(c.label, shown)] || c.id }))
  const serviceOptions = [
    { value: '', label: 'None' },
    ...draft.services.map((s) => ({ value: s.id, label: s.name || s.id })),
  ]

  const labelFor = (path: string) => describeDraftPath(path, draft, 'catalogue')
  // The site texts and appearance are fixed on their own page.
  const pageFor = (path: string) => pageToFix(path, 'catalogue', siteId)

  return (
    <div class="catalogue-editor" onBlurCapture={onBlurCapture}>
      <DraftStatus state={server} dirty={dirty} siteId={siteId} editable={editable} />
      {!editable && (
        <p class="notice">You can read this catalogue; as an auditor you cannot change it.</p>
      )}
      <EditsNotKept editable={editable} dirty={dirty} what="draft" revert={() => (accept(server), setConflict(null), setSave({ status: 'idle' }))} />
      <div ref={summaryRef}>
        <IssueSummary what="draft" issues={shownIssues} labelFor={labelFor} pageFor={pageFor} id="catalogue-issues" />
      </div>
      <ConsentCookieWarning
        mismatch={mismatch}
        done={dirty ? declared : ''}
        action={(m) =>
          editable && (
            <p class="inline-controls">
              <button type="button" onClick={declareCookie}>
                Update the declaration
              </button>
              <span class="hint">{m.fix} Then save the draft and publish it.</span>
            </p>
          )
        }
      />

      <LanguagePicker
        id="catalogue"
        label="Language of labels, descriptions and purposes"
        languages={languages}
        language={shown}
        onLanguage={setLanguage}
        onAdd={editable ? (lang) => (setExtraLanguages((l) => [...l, lang]), setLanguage(lang)) : undefined}
      />
      {!sameLanguage(shown, server.settings.defaultLanguage) && (
        <p class="muted">Fields not yet translated show, greyed out, the text visitors in this language read instead.</p>
      )}

      <EditableContext.Provider value={editable}>
        <CategoriesSection
          categories={draft.categories}
          language={shown}
          localized={localized}
          issues={shownIssues}
          editable={editable}
          update={update}
          setCategories={(list) => update(['categories'], list)}
          onIdFocus={(i) => (renaming.current = { i, from: draft.categories[i]!.id })}
          onIdBlur={renamed}
          inCategory={inCategory}
        />
        <ServicesSection
          services={draft.services}
          categoryOptions={categoryOptions}
          language={shown}
          localized={localized}
          issues={shownIssues}
          editable={editable}
          update={update}
          setServices={(list) => update(['services'], list)}
        />
        <EntriesSection
          entries={draft.entries}
          categoryOptions={categoryOptions}
          serviceOptions={serviceOptions}
          language={shown}
          localized={localized}
          issues={shownIssues}
          editable={editable}
          update={update}
          setEntries={(list) => update(['entries'], list)}
        />
      </EditableContext.Provider>

      <LivePreview siteId={siteId} state={server} dirty={dirty} />

      <ImportExport siteId={siteId} editable={editable} dirty={dirty} baseUpdatedAt={server.draftUpdatedAt} onImported={accept} />

      <DraftConflict base={server.draft} mine={draft} theirs={conflict} note={note} onSettle={settle} />

      {editable && (
        <SaveBar
          what="draft"
          state={
            save.status === 'failed'
              ? { error: save.message }
              : { saving: save.status === 'saving', saved: save.status === 'saved' }
          }
          dirty={dirty}
          onSave={() => void saveDraft()}
        >
          {dirty && (
            <button
              type="button"
              onClick={() => {
                if (window.confirm('Discard your unsaved changes and go back to the saved draft?')) accept(server)
              }}
            >
              Discard changes
            </button>
          )}
        </SaveBar>
      )}
    </div>
  )
}

function DraftStatus({ state, dirty, siteId, editable }: { state: CatalogueState; dirty: boolean; siteId: string; editable: boolean }) {
  return (
    <div class="draft-status">
      <p>
        {state.live ? (
          <>
            Live: revision {state.live.revision}, published {formatTime(state.live.publishedAt)}.{' '}
          </>
        ) : (
          'Nothing published yet: visitors get nothing from MiniConsent until the draft is published. '
        )}
        {state.draftUpdatedAt && (
          <>
            Draft last saved {formatTime(state.draftUpdatedAt)}
            {state.draftUpdatedBy ? ` by ${state.draftUpdatedBy}` : ''}.{' '}
          </>
        )}
        {state.dirty && !dirty &&
          (state.live ? (
            <>
              The saved draft differs from the live catalogue: <a href={sitePath(siteId, 'publish')}>{editable ? 'review and publish' : 'see the changes'}</a>.
            </>
          ) : (
            <a href={sitePath(siteId, 'publish')}>{editable ? 'Review and publish the draft' : 'See the draft'}</a>
          ))}
      </p>
    </div>
  )
}

/**
 * The languages the picker offers: the catalogue's, each once in any case (languagesOf), then those added
 * here that it lacks, then the one chosen, so that the list always has it.
 */
function pickerLanguages(listed: string[], added: string[], language: string): string[] {
  const list = [...listed, ...added.filter((l) => !spellingIn(listed, l))]
  return spellingIn(list, language) ? list : [...list, language]
}

/** A localized text's field props: where it is in the draft, its text and its change, its language, what visitors read while it is empty. */
type LocalizedField = { path: string; value: string | undefined; onValue: (v: string) => void; lang: string; dir: 'ltr' | 'rtl'; placeholder?: string }

interface SectionProps {
  /** The language edited, as the language list spells it: the fields' labels name it. */
  language: string
  /** The field of `text`, at `at` in the draft, in the language edited (localized in the page). */
  localized: (text: Record<string, string>, at: Path) => LocalizedField
  issues: Issues
  editable: boolean
  update: (path: Path, value: unknown) => void
}

function CategoriesSection({
  categories,
  setCategories,
  language,
  localized,
  issues,
  editable,
  update,
  onIdFocus,
  onIdBlur,
  inCategory,
}: SectionProps & {
  categories: Category[]
  setCategories: (list: Category[]) => void
  /** The id field of category `i` took focus, or lost it: a rename's start and end. */
  onIdFocus: (i: number) => void
  onIdBlur: (i: number) => void
  inCategory: (id: string) => string | null
}) {
  // Focus follows the category to its new place (the same button, or the other one at an end).
  const moveCategory = (from: number, to: number, name: string) => {
    setCategories(move(categories, from, to))
    const [same, other] = to < from ? ['up', 'down'] : ['down', 'up']
    focusWhenDrawn(`move-category-${to}-${same}`, `move-category-${to}-${other}`)
    announce(`Moved ${name} to position ${to + 1} of ${categories.length}`)
  }
  return (
    <section aria-labelledby="categories-heading" class="editor-section">
      <h2 id="categories-heading">Categories</h2>
      <p class="muted">Visitors choose per category. Required categories are always on and cannot be switched off.</p>
      <ol class="card-list">
        {categories.map((cat, i) => {
          const name = cat.label[keyIn(cat.label, language)] || cat.id || `category ${i + 1}`
          const requiredId = fieldId(`categories.${i}.required`)
          const requiredError = issues[`categories.${i}.required`]
          const modeId = fieldId(`categories.${i}.consentMode`)
          // The map's own problem, or one of a type in it (listed twice, in a catalogue imported so).
          const modeError = issues[`categories.${i}.consentMode`] ?? Object.entries(issues).find(([p]) => p.startsWith(`categories.${i}.consentMode.`))?.[1]
          return (
            <li key={i} class="card">
              <fieldset class="plain">
                <legend class="card-title">
                  Category {i + 1}: {name}
                </legend>
                <div class="grid-fields">
                  <TextField
                    path={`categories.${i}.id`}
                    label="ID"
                    issues={issues}
                    value={cat.id}
                    onValue={(v) => update(['categories', i, 'id'], v)}
                    onFocus={() => onIdFocus(i)}
                    onBlur={() => onIdBlur(i)}
                    hint="Used in data-category attributes; the services and cookies in the category follow a change once you leave the field."
                    spellcheck={false}
                  />
                  <TextField label={`Label (${language})`} issues={issues} {...localized(cat.label, ['categories', i, 'label'])} />
                </div>
                <TextField label={`Description (${language})`} issues={issues} {...localized(cat.description, ['categories', i, 'description'])} />
                <div class="check">
                  <input
                    type="checkbox"
                    id={requiredId}
                    checked={cat.required}
                    disabled={!editable}
                    aria-invalid={requiredError ? true : undefined}
                    aria-describedby={requiredError ? `${requiredId}-error` : undefined}
                    onChange={(e) => update(['categories', i, 'required'], e.currentTarget.checked)}
                  />
                  <label for={requiredId}>Required (always on)</label>
                </div>
                {requiredError && (
                  <p id={`${requiredId}-error`} class="field-error">
                    {requiredError}
                  </p>
                )}
                {/* Focused by the problem list's link; its error is read with its legend. */}
                <fieldset class="consent-mode" id={modeId} tabIndex={-1} aria-describedby={modeError ? `${modeId}-error` : undefined}>
                  <legend>Google Consent Mode types granted with {name}</legend>
                  {modeError && (
                    <p id={`${modeId}-error`} class="field-error">
                      {modeError}
                    </p>
                  )}
                  <div class="consent-mode-types">
                    {CONSENT_MODE_TYPES.map((type) => {
                      const id = fieldId(`categories.${i}.consentMode.${type}`)
                      return (
                        <div class="check" key={type}>
                          <input
                            type="checkbox"
                            id={id}
                            disabled={!editable}
                            checked={cat.consentMode.includes(type)}
                            onChange={(e) =>
                              update(
                                ['categories', i, 'consentMode'],
                                e.currentTarget.checked
                                  ? CONSENT_MODE_TYPES.filter((t) => t === type || cat.consentMode.includes(t))
                                  : cat.consentMode.filter((t) => t !== type),
                              )
                            }
                          />
                          <label for={id} class="mono">
                            {type}
                          </label>
                        </div>
                      )
                    })}
                  </div>
                </fieldset>
                {editable && (
                  <div class="row-actions">
                    <button type="button" id={`move-category-${i}-up`} disabled={i === 0} onClick={() => moveCategory(i, i - 1, name)}>
                      Move up<span class="visually-hidden">: {name}</span>
                    </button>
                    <button
                      type="button"
                      id={`move-category-${i}-down`}
                      disabled={i === categories.length - 1}
                      onClick={() => moveCategory(i, i + 1, name)}
                    >
                      Move down<span class="visually-hidden">: {name}</span>
                    </button>
                    <RemoveButton kind="category" name={name} note={inCategory(cat.id)} onRemove={() => setCategories(categories.filter((_, j) => j !== i))} />
                  </div>
                )}
              </fieldset>
            </li>
          )
        })}
      </ol>
      {editable && (
        <AddRowButton
          label="Add category"
          focusPath={`categories.${categories.length}.id`}
          onAdd={() => setCategories([...categories, { id: '', required: false, label: {}, description: {}, consentMode: [] }])}
        />
      )}
    </section>
  )
}

function ServicesSection({
  services,
  setServices,
  categoryOptions,
  language,
  localized,
  issues,
  editable,
  update,
}: SectionProps & {
  services: Service[]
  setServices: (list: Service[]) => void
  categoryOptions: Array<{ value: string; label: string }>
}) {
  return (
    <section aria-labelledby="services-heading" class="editor-section">
      <h2 id="services-heading">Services</h2>
      <p class="muted">Each service belongs to one category; scripts name it in data-service.</p>
      {services.length === 0 && <p class="empty">No services yet.</p>}
      <ol class="card-list">
        {services.map((s, i) => {
          const name = s.name || s.id || `service ${i + 1}`
          return (
            <li key={i} class="card">
              <fieldset class="plain">
                <legend class="card-title">
                  Service {i + 1}: {name}
                </legend>
                <div class="grid-fields">
                  <TextField path={`services.${i}.id`} label="ID" issues={issues} value={s.id} spellcheck={false} onValue={(v) => update(['services', i, 'id'], v)} />
                  <TextField path={`services.${i}.name`} label="Name" issues={issues} value={s.name} onValue={(v) => update(['services', i, 'name'], v)} />
                  <TextField path={`services.${i}.provider`} label="Provider" issues={issues} value={s.provider} onValue={(v) => update(['services', i, 'provider'], v)} />
                  <SelectField
                    path={`services.${i}.category`}
                    label="Category"
                    issues={issues}
                    value={s.category}
                    options={withCurrent(categoryOptions, s.category, CHOOSE_CATEGORY)}
                    onValue={(v) => update(['services', i, 'category'], v)}
                  />
                  <TextField
                    path={`services.${i}.privacyPolicyUrl`}
                    label="Privacy policy link"
                    type="url"
                    issues={issues}
                    value={s.privacyPolicyUrl}
                    onValue={(v) => update(['services', i, 'privacyPolicyUrl'], v || undefined)}
                  />
                  <SelectField
                    path={`services.${i}.vendor`}
                    label="Vendor signal"
                    issues={issues}
                    value={s.vendor ?? ''}
                    options={[{ value: '', label: 'None' }, ...VENDOR_SIGNALS.map((v) => ({ value: v, label: VENDOR_LABELS[v] }))]}
                    onValue={(v) => update(['services', i, 'vendor'], v || undefined)}
                  />
                </div>
                <TextField label={`Purpose (${language})`} issues={issues} {...localized(s.purpose, ['services', i, 'purpose'])} />
                {editable && (
                  <div class="row-actions">
                    <RemoveButton kind="service" name={name} onRemove={() => setServices(services.filter((_, j) => j !== i))} />
                  </div>
                )}
              </fieldset>
            </li>
          )
        })}
      </ol>
      {editable && (
        <AddRowButton
          label="Add service"
          focusPath={`services.${services.length}.id`}
          onAdd={() => setServices([...services, { id: '', name: '', provider: '', category: '', purpose: {} }])}
        />
      )}
    </section>
  )
}

const VENDOR_LABELS: Record<(typeof VENDOR_SIGNALS)[number], string> = {
  google: 'Google Consent Mode',
  clarity: 'Microsoft Clarity',
  uet: 'Microsoft UET',
  meta: 'Meta pixel',
  tiktok: 'TikTok pixel',
  posthog: 'PostHog',
}

const KIND_LABELS: Record<(typeof STORAGE_KINDS)[number], string> = {
  cookie: 'Cookie',
  localStorage: 'localStorage',
  sessionStorage: 'sessionStorage',
  indexedDB: 'IndexedDB',
}

function EntriesSection({
  entries,
  setEntries,
  categoryOptions,
  serviceOptions,
  language,
  localized,
  issues,
  editable,
  update,
}: SectionProps & {
  entries: StorageEntry[]
  setEntries: (list: StorageEntry[]) => void
  categoryOptions: Array<{ value: string; label: string }>
  serviceOptions: Array<{ value: string; label: string }>
}) {
  return (
    <section aria-labelledby="entries-heading" class="editor-section">
      <h2 id="entries-heading">Cookies and storage</h2>
      <p class="muted" id="entries-hint">
        A name may be a wildcard: <code>_ga_*</code> stands for every name starting with <code>_ga_</code>. Expiry is
        “session”, “persistent” or a duration such as 30d, 24h, 13mo, 2y.
      </p>
      {entries.length === 0 ? (
        <p class="empty">No cookies or storage entries yet.</p>
      ) : (
        <ScrollTable
          id="entries"
          caption="Cookies and storage entries"
          describedBy="entries-hint"
          columns={['Name', 'Kind', 'Category', 'Service', 'Provider', `Purpose (${language})`, 'Expiry', 'Domain', 'Path']}
          actions={editable}
        >
          {entries.map((e, i) => {
            const row = `row ${i + 1}`
            const p = (k: string) => `entries.${i}.${k}`
            return (
              <tr key={i}>
                <td>
                  <TextField class="cell" hiddenLabel path={p('name')} label={`Name, ${row}`} issues={issues} value={e.name} spellcheck={false} size={14} onValue={(v) => update(['entries', i, 'name'], v)} />
                </td>
                <td>
                  <SelectField class="cell" hiddenLabel path={p('kind')} label={`Kind, ${row}`} issues={issues} value={e.kind} options={STORAGE_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }))} onValue={(v) => update(['entries', i, 'kind'], v)} />
                </td>
                <td>
                  <SelectField class="cell" hiddenLabel path={p('category')} label={`Category, ${row}`} issues={issues} value={e.category} options={withCurrent(categoryOptions, e.category, CHOOSE_CATEGORY)} onValue={(v) => update(['entries', i, 'category'], v)} />
                </td>
                <td>
                  <SelectField class="cell" hiddenLabel path={p('service')} label={`Service, ${row}`} issues={issues} value={e.service ?? ''} options={withCurrent(serviceOptions, e.service ?? '')} onValue={(v) => update(['entries', i, 'service'], v || undefined)} />
                </td>
                <td>
                  <TextField class="cell" hiddenLabel path={p('provider')} label={`Provider, ${row}`} issues={issues} value={e.provider} size={12} onValue={(v) => update(['entries', i, 'provider'], v)} />
                </td>
                <td>
                  <TextField class="cell" hiddenLabel label={`Purpose (${language}), ${row}`} issues={issues} size={20} {...localized(e.purpose, ['entries', i, 'purpose'])} />
                </td>
                <td>
                  <TextField class="cell" hiddenLabel path={p('expiry')} label={`Expiry, ${row}`} issues={issues} value={e.expiry} size={8} spellcheck={false} onValue={(v) => update(['entries', i, 'expiry'], v)} />
                </td>
                <td>
                  <TextField class="cell" hiddenLabel path={p('domain')} label={`Domain, ${row}`} issues={issues} value={e.domain} size={12} spellcheck={false} onValue={(v) => update(['entries', i, 'domain'], v || undefined)} />
                </td>
                <td>
                  <TextField class="cell" hiddenLabel path={p('path')} label={`Path, ${row}`} issues={issues} value={e.path} size={6} spellcheck={false} onValue={(v) => update(['entries', i, 'path'], v || undefined)} />
                </td>
                {editable && (
                  <td>
                    <RemoveRowButton name={e.name || row} onRemove={() => setEntries(entries.filter((_, j) => j !== i))} />
                  </td>
                )}
              </tr>
            )
          })}
        </ScrollTable>
      )}
      {editable && (
        <AddRowButton
          label="Add cookie or storage entry"
          focusPath={`entries.${entries.length}.name`}
          onAdd={() =>
            setEntries([...entries, { name: '', kind: 'cookie', category: '', provider: '', purpose: {}, expiry: '' }])
          }
        />
      )}
    </section>
  )
}

/**
 * A new service or entry starts in no category: the first in the list is `essential`, always on,
 * and a tracker must not go live there because nobody chose another.
 */
const CHOOSE_CATEGORY = 'Choose a category'

/**
 * Keeps a value the list does not know (a removed category) visible, so the select does not
 * silently change it; none yet shows as `none`, not as the first option, which is not chosen.
 */
function withCurrent(options: Array<{ value: string; label: string }>, current: string, none = 'Choose…') {
  if (options.some((o) => o.value === current)) return options
  return [{ value: current, label: current ? `${current} (missing)` : none }, ...options]
}

/**
 * A category with no name in any language (`categories.2.label`) is asked for one at its label
 * field in the language edited, as a service's missing name is at its field: marked invalid, read
 * with the field, focused by the problem list's link. That field's path has the key the label
 * already uses for the language (`de-ch` for `de-CH`: keyIn, as `localized` gives it), else the
 * language itself. `issues` is changed and returned.
 */
function namelessAtLabelField(issues: Issues, c: Catalogue, language: string): Issues {
  for (const [path, message] of Object.entries(issues)) {
    const nameless = /^categories\.(\d+)\.label$/.exec(path)
    if (!nameless) continue
    const label = c.categories[Number(nameless[1])]?.label ?? {}
    delete issues[path]
    issues[`${path}.${keyIn(label, language)}`] ??= message
  }
  return issues
}

/**
 * A file's bytes as UTF-8 text; an Error naming the encoding when they are not UTF-8. `file.text()`
 * reads each byte of another encoding (a spreadsheet's CSV saved as Windows-1252) as U+FFFD, which
 * the server would then store: é in "Sécurité" became "S�curit�".
 */
function utf8Text(bytes: ArrayBuffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new Error('the file is not UTF-8 text. Save it again as UTF-8 (in a spreadsheet: "CSV UTF-8"), then import it')
  }
}

function ImportExport({
  siteId,
  editable,
  dirty,
  baseUpdatedAt,
  onImported,
}: {
  siteId: string
  editable: boolean
  dirty: boolean
  /** The saved draft this page started from: an import over a draft saved since is refused. */
  baseUpdatedAt: string
  onImported: (state: CatalogueState) => void
}) {
  const { api } = useSession()
  const [status, setStatus] = useActionState<{ ok: boolean; text: string } | null>(null)
  const [busy, setBusy] = useState(false)
  const [exporting, setExporting] = useState(false)
  const urls = useRef<string[]>([])
  useEffect(() => () => urls.current.forEach((u) => URL.revokeObjectURL(u)), [])

  // Through the API client rather than a plain download link (see download.ts): a refusal, an
  // ended session's too, is said here (and opens the sign-in dialog), never saved as the file.
  async function exportDraft(format: 'json' | 'csv') {
    if (exporting) return
    setExporting(true)
    setStatus(null)
    try {
      const res = await api.stream(siteApi(siteId, `/catalogue/export?${new URLSearchParams({ format })}`))
      const name = fileNameOf(res, `${siteId}-catalogue.${format}`)
      const url = URL.createObjectURL(await res.blob())
      urls.current.push(url)
      saveFile(url, name)
      setStatus({ ok: true, text: `Exported the saved draft as ${name}.` })
    } catch (err) {
      setStatus({ ok: false, text: `Not exported: ${errorText(err)}` }, err)
    } finally {
      setExporting(false)
    }
  }

  async function importFile(file: File) {
    const format = /\.csv$/i.test(file.name) || file.type === 'text/csv' ? 'csv' : 'json'
    if (dirty && !window.confirm('Importing replaces the draft, and your unsaved changes are lost. Import anyway?')) return
    setBusy(true)
    setStatus(null)
    try {
      const text = utf8Text(await file.arrayBuffer())
      const query = new URLSearchParams({ format, baseUpdatedAt })
      const next = await api.request(siteApi(siteId, `/catalogue/import?${query}`), catalogueState, {
        method: 'POST',
        body: text,
        contentType: format === 'csv' ? 'text/csv' : 'application/json',
      })
      onImported(next)
      setStatus({ ok: true, text: `Imported ${file.name}: the draft now has ${next.draft.entries.length} cookies and storage entries.` })
    } catch (err) {
      // The issues the server's message does not already say (it names the first of a file's).
      const said = errorText(err)
      const issueText = (i: { path: string; message: string }) => (i.path ? `${i.path}: ${i.message}` : i.message)
      const issues = (err instanceof ApiRequestError ? err.issues : []).map(issueText).filter((text) => !said.includes(text))
      const detail = issues.length ? ' ' + issues.slice(0, 5).join('; ') : ''
      const conflict = err instanceof ApiRequestError && err.code === 'draft_conflict'
      setStatus({
        ok: false,
        text: conflict
          ? `${file.name} was not imported, and the draft is as they left it: ${withLocalTimes(errorText(err))}`
          : `Could not import ${file.name}: ${said}${detail}`,
      }, err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section aria-labelledby="import-export-heading" class="editor-section">
      <h2 id="import-export-heading">Import and export</h2>
      <p>Export the saved draft:</p>
      <div class="actions">
        {/* Inactive rather than disabled while one runs: keyboard focus stays on the button pressed. */}
        <ActionButton inactive={exporting} onClick={() => void exportDraft('json')}>
          Export as JSON
        </ActionButton>
        <ActionButton inactive={exporting} onClick={() => void exportDraft('csv')}>
          Export as CSV (one row per cookie)
        </ActionButton>
      </div>
      {editable && (
        <div class="field">
          <label for="catalogue-import">Import a JSON or CSV file (replaces the draft)</label>
          <input
            id="catalogue-import"
            type="file"
            accept=".json,.csv,application/json,text/csv"
            disabled={busy}
            onChange={(e) => {
              const input = e.currentTarget
              const file = input.files?.[0]
              if (file) void importFile(file).finally(() => (input.value = ''))
            }}
          />
        </div>
      )}
      <div role="status">{busy ? 'Importing…' : exporting ? 'Exporting…' : status && <p class={status.ok ? 'ok-text' : 'field-error'}>{status.text}</p>}</div>
    </section>
  )
}

/** Removes a category or service after the editor confirms; the hidden text names it for screen readers. */
function RemoveButton({ kind, name, note, onRemove }: { kind: string; name: string; note?: string | null; onRemove: () => void }) {
  return (
    <button
      type="button"
      class="danger"
      onClick={(e) => {
        if (window.confirm(`Remove the ${kind} "${name}"?${note ? ` ${note}` : ''}`)) removed(e.currentTarget, `the ${kind} ${name}`, onRemove)
      }}
    >
      Remove<span class="visually-hidden"> {kind} {name}</span>
    </button>
  )
}
