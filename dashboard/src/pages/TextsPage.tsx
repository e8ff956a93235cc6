import { catalogue as catalogueSchema, DEFAULT_ACCENT, isHexColour, UI_TEXT_KEYS, type Appearance, type Catalogue, type SaveDraftInput, type UiTextKey } from '@miniconsent/shared'
import { inLanguage } from '@miniconsent/shared/localize'
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import { catalogueState, type CatalogueState } from '../api-shapes'
import { draftIssuesByPath, EditableContext, Field, IssueSummary, issuesByPath, SelectField, type Issues } from '../components/fields'
import { errorText, LoadGate, siteRoute, useActionState, useLoad, type SitePageProps } from '../components/site-page'
import { DEFAULT_TEXTS_EN, LONG_TEXTS, TEXT_HINTS, TEXT_LABELS } from '../default-texts'
import { canEdit, siteApi, useSession } from '../session'
import { useUnsavedChanges } from '../unsaved-changes'
import { useDocumentTitle } from '../use-document-title'
import { describeDraftPath, pageToFix } from '../draft-paths'
import { SaveBar, type SaveState } from '../components/SaveBar'
import { LivePreview } from '../components/LivePreview'
import { CONFLICT_MESSAGE, DraftConflict, draftSavedMeanwhile, type Settle } from '../components/DraftConflict'
import { ACCENT_CHECK_ID, AccentCheck } from '../components/AccentCheck'
import { EditsNotKept } from '../components/EditsNotKept'
import { LanguagePicker } from '../components/LanguagePicker'
import { builtInLanguage } from '../../../sdk/src/ui/texts'
import { hasBuiltInTexts, keyIn, languageAttributes, languageName, sameLanguage, SDK_TABLES, spellingIn } from '../languages'

export const TextsRoute = siteRoute('texts', TextsPage)

type TextTable = Partial<Record<UiTextKey, string>>

/** Loads the built-in tables of `langs` that are not loaded yet; English is built into this page. */
function useBuiltInTexts(langs: readonly string[]): Record<string, TextTable> {
  const [tables, setTables] = useState<Record<string, TextTable>>({ en: DEFAULT_TEXTS_EN })
  useEffect(() => {
    let live = true
    for (const lang of langs) {
      const load = Object.hasOwn(SDK_TABLES, lang) ? SDK_TABLES[lang] : undefined
      if (tables[lang] || !load) continue
      load().then(
        (table) => live && setTables((t) => ({ ...t, [lang]: table })),
        // Not loaded (a deploy replaced the chunk): that language's placeholders stay empty, nothing worse.
        () => {},
      )
    }
    return () => void (live = false)
  }, [langs.join(' ')])
  return tables
}

/**
 * What a visitor reading `lang` gets for a text the site leaves empty in it, in the SDK's order
 * (resolveTexts in sdk/src/ui/texts.ts): the site's text in the language without its region (`pt`
 * for `pt-BR`); the built-in one in that language, unless the site's default is that language in
 * another region (`en-GB` for `en`); the site's text in its default language; the built-in one of
 * the first of the two languages, without region, that has some (`pt` for a `pt-BR` site); English.
 * The site's default is found in any case, as the SDK finds it (`de-ch` texts for a `de-CH` site).
 * `null` while a table it needs is still loading.
 */
function fallbackText(key: UiTextKey, lang: string, defaultLanguage: string, site: Catalogue['texts'], tables: Record<string, TextTable>): string | null {
  const primary = lang.split('-')[0]!
  const builtIn = builtInLanguage(lang, defaultLanguage)
  const own = primary !== defaultLanguage.split('-')[0] && builtIn === primary
  const layers: Array<string | TextTable | undefined> = [lang === primary ? undefined : site[primary], own ? builtIn : undefined, inLanguage(site, defaultLanguage), builtIn]
  for (const layer of [...layers, 'en']) {
    // A language named here has built-in texts: `builtIn` was found among those, and English has them.
    if (typeof layer !== 'string') {
      if (layer?.[key]) return layer[key]
    } else {
      const table = tables[layer]
      if (!table) return null
      if (table[key]) return table[key]
    }
  }
  return DEFAULT_TEXTS_EN[key]
}

/** Says where the greyed-out texts come from, as fallbackText picks them. */
function fallbackNote(lang: string, defaultLanguage: string): string {
  const primary = lang.split('-')[0]!
  const isDefault = sameLanguage(lang, defaultLanguage)
  if (primary === defaultLanguage.split('-')[0] && !isDefault) {
    return `Empty texts use the site’s ${languageName(defaultLanguage)} ones, then the built-in ${languageName(primary)} ones, shown greyed out.`
  }
  if (hasBuiltInTexts(primary)) return `Empty texts use the built-in ${languageName(primary)} text, shown greyed out.`
  const instead =
    primary === defaultLanguage || isDefault
      ? 'the English ones'
      : hasBuiltInTexts(defaultLanguage.split('-')[0]!)
        ? `the ${languageName(defaultLanguage)} ones`
        : `the site’s ${languageName(defaultLanguage)} ones, or English where it has none`
  return `There are no built-in texts in ${languageName(lang)}: empty texts use ${instead}, shown greyed out.`
}

function TextsPage({ site }: SitePageProps) {
  const { api } = useSession()
  useDocumentTitle(`Texts & appearance — ${site.name}`)
  const load = useLoad((signal) => api.request(siteApi(site.id, '/catalogue'), catalogueState, { signal }), [site.id])
  return (
    <>
      <h1>Texts & appearance — {site.name}</h1>
      <LoadGate state={load.state} what="the texts" onRetry={load.reload}>
        {(state) => <TextsEditor siteId={site.id} editable={canEdit(site.role)} initial={state} />}
      </LoadGate>
    </>
  )
}

type Editable = Pick<Catalogue, 'texts' | 'appearance'>

/**
 * The languages the picker offers: the site's default first, as Site settings spell it (as the
 * live preview and the Catalogue page list it), every other language the texts have, and the one
 * chosen, each once in any case. The default's texts are read and written under the spelling they
 * use (`de-ch` for `de-CH`: keyIn). Only a draft stored before one spelling per language was
 * required lists one twice (`pt-br`, `pt-BR`), so that either can be emptied.
 */
function pickerLanguages(keys: string[], defaultLanguage: string, language: string): string[] {
  const defaultKey = spellingIn(keys, defaultLanguage)
  const list = [defaultLanguage, ...keys.filter((k) => k !== defaultKey)]
  return spellingIn(list, language) ? list : [...list, language]
}

function TextsEditor({ siteId, editable, initial }: { siteId: string; editable: boolean; initial: CatalogueState }) {
  const { api } = useSession()
  const [server, setServer] = useState(initial)
  const pick = (c: Catalogue): Editable => ({ texts: c.texts, appearance: c.appearance })
  const [draft, setDraft] = useState<Editable>(pick(initial.draft))
  const [baseline, setBaseline] = useState(JSON.stringify(pick(initial.draft)))
  const [language, setLanguage] = useState(initial.settings.defaultLanguage)
  const defaultLanguage = initial.settings.defaultLanguage
  const [serverIssues, setServerIssues] = useState<Issues>({})
  const [status, setStatus] = useActionState<SaveState>({})
  /** The state with a draft someone saved meanwhile, while this editor decides what to do. */
  const [conflict, setConflict] = useState<CatalogueState | null>(null)
  const [note, setNote] = useState('')
  const summary = useRef<HTMLDivElement>(null)
  const accentInput = useRef<HTMLInputElement>(null)

  const dirty = JSON.stringify(draft) !== baseline
  useUnsavedChanges(editable && dirty)
  const whole = { ...server.draft, ...draft }
  const clientIssues = useMemo(() => {
    const r = catalogueSchema.safeParse(whole)
    return r.success ? {} : issuesByPath(r.error.issues)
  }, [draft, server])
  const issues = { ...clientIssues, ...serverIssues }

  const languages = pickerLanguages(Object.keys(draft.texts), defaultLanguage, language)
  // The language chosen, as the list spells it.
  const shown = spellingIn(languages, language)!
  // Its texts' key, the spelling they already use (`de-ch` for the site's `de-CH`): read and
  // written there, never under a second spelling of the language, which the save refuses.
  const textsKey = keyIn(draft.texts, shown)
  const texts = draft.texts[textsKey] ?? {}
  // The one table fallbackText reads besides English: the SDK's own choice (builtInLanguage).
  const builtInLang = builtInLanguage(shown, defaultLanguage)
  const builtIn = useBuiltInTexts(builtInLang ? [builtInLang] : [])

  function setText(key: (typeof UI_TEXT_KEYS)[number], value: string) {
    setDraft((d) => {
      const forLanguage = { ...(d.texts[textsKey] ?? {}) }
      if (value) forLanguage[key] = value
      else delete forLanguage[key]
      const nextTexts = { ...d.texts }
      if (Object.keys(forLanguage).length) nextTexts[textsKey] = forLanguage
      else delete nextTexts[textsKey]
      return { ...d, texts: nextTexts }
    })
    setStatus({})
  }

  function setAppearance<K extends keyof Appearance>(key: K, value: Appearance[K] | undefined) {
    setDraft((d) => {
      const next = { ...d.appearance }
      if (value === undefined) delete next[key]
      else next[key] = value
      return { ...d, appearance: next }
    })
    setServerIssues({})
    setStatus({})
  }

  function load(next: CatalogueState, edits: Editable = pick(next.draft)) {
    setServer(next)
    setDraft(edits)
    setBaseline(JSON.stringify(pick(next.draft)))
    setServerIssues({})
  }

  /** `baseUpdatedAt`: the version this edit started from; a draft saved meanwhile is refused (409), not overwritten. */
  async function save(catalogue: Catalogue = whole, baseUpdatedAt = server.draftUpdatedAt) {
    setNote('')
    if (Object.keys(clientIssues).length) {
      setStatus({ error: 'Not saved: fix the problems listed above first.' })
      requestAnimationFrame(() => summary.current?.querySelector<HTMLElement>('.form-error')?.focus())
      return
    }
    setStatus({ saving: true })
    try {
      const next = await api.request(siteApi(siteId, '/catalogue/draft'), catalogueState, {
        method: 'PUT',
        body: { catalogue, baseUpdatedAt } satisfies SaveDraftInput,
      })
      load(next)
      setConflict(null)
      setStatus({ saved: true })
    } catch (err) {
      if (err instanceof ApiRequestError && err.issues.length) setServerIssues(draftIssuesByPath(err.issues))
      const theirs = await draftSavedMeanwhile(api, siteId, err)
      setConflict(theirs)
      setStatus({ error: theirs ? CONFLICT_MESSAGE : `Not saved: ${errorText(err)}` }, err)
    }
  }

  /**
   * Continues from the draft saved meanwhile. This page edits only texts and appearance, so
   * "mine" keeps their catalogue changes and puts these texts and appearance over them.
   */
  function settle(how: Settle, merged?: Catalogue) {
    const theirs = conflict!
    setConflict(null)
    setStatus({})
    if (how === 'theirs') {
      load(theirs)
      setNote('Their draft is loaded; your changes were discarded.')
    } else if (how === 'merge') {
      load(theirs, pick(merged!))
      setNote('Merged with their draft: check it, then save the draft.')
    } else {
      load(theirs, draft)
      void save({ ...theirs.draft, ...draft }, theirs.draftUpdatedAt)
    }
  }

  const a = draft.appearance
  return (
    <EditableContext.Provider value={editable}>
      <p class="muted">
        Changes here are saved to the draft and reach visitors when the draft is published.{' '}
        <span id="texts-fallback">{fallbackNote(shown, defaultLanguage)}</span>
      </p>
      {!editable && <p class="notice">You can read these settings; as an auditor you cannot change them.</p>}
      <EditsNotKept editable={editable} dirty={dirty} what="draft" revert={() => (load(server), setConflict(null), setStatus({}))} />
      <div ref={summary}>
        <IssueSummary
          what="draft"
          issues={issues}
          labelFor={(path) => describeDraftPath(path, whole, 'texts')}
          pageFor={(path) => pageToFix(path, 'texts', siteId)}
          id="texts-issues"
        />
      </div>

      <section aria-labelledby="texts-heading" class="editor-section">
        <h2 id="texts-heading">Texts</h2>
        <LanguagePicker
          id="texts"
          label="Language"
          languages={languages}
          language={shown}
          onLanguage={setLanguage}
          onAdd={editable ? setLanguage : undefined}
        />
        <div class="grid-fields texts-grid">
          {UI_TEXT_KEYS.map((key) => {
            const path = `texts.${textsKey}.${key}`
            const placeholder = fallbackText(key, shown, defaultLanguage, draft.texts, builtIn) ?? undefined
            return (
              <Field key={key} path={path} label={TEXT_LABELS[key]} hint={TEXT_HINTS[key]} issues={issues}>
                {(a11y) =>
                  LONG_TEXTS.has(key) ? (
                    <textarea
                      {...a11y}
                      {...languageAttributes(shown)}
                      rows={3}
                      readOnly={!editable}
                      placeholder={placeholder}
                      value={texts[key] ?? ''}
                      onInput={(e) => setText(key, e.currentTarget.value)}
                    />
                  ) : (
                    <input
                      {...a11y}
                      {...languageAttributes(shown)}
                      readOnly={!editable}
                      placeholder={placeholder}
                      value={texts[key] ?? ''}
                      onInput={(e) => setText(key, e.currentTarget.value)}
                    />
                  )
                }
              </Field>
            )
          })}
        </div>
      </section>

      <section aria-labelledby="appearance-heading" class="editor-section">
        <h2 id="appearance-heading">Appearance</h2>
        <div class="grid-fields">
          <SelectField
            path="appearance.layout"
            label="Layout"
            issues={issues}
            value={a.layout}
            options={[
              { value: 'bar', label: 'Bar at the bottom' },
              { value: 'box', label: 'Box in a corner' },
              { value: 'modal', label: 'Dialog in the middle' },
            ]}
            onValue={(v) => setAppearance('layout', v as Appearance['layout'])}
          />
          <SelectField
            path="appearance.theme"
            label="Theme"
            issues={issues}
            value={a.theme}
            options={[
              { value: 'system', label: 'Follow the visitor’s system' },
              { value: 'light', label: 'Light' },
              { value: 'dark', label: 'Dark' },
            ]}
            onValue={(v) => setAppearance('theme', v as Appearance['theme'])}
          />
          <Field path="appearance.accentColor" label="Accent colour" issues={issues} hint="A colour like #1a73e8; empty for the default.">
            {(a11y) => (
              <div class="inline-controls">
                <input
                  {...a11y}
                  ref={accentInput}
                  aria-describedby={[a11y['aria-describedby'], ACCENT_CHECK_ID].filter(Boolean).join(' ')}
                  readOnly={!editable}
                  value={a.accentColor ?? ''}
                  spellcheck={false}
                  size={9}
                  onInput={(e) => setAppearance('accentColor', e.currentTarget.value || undefined)}
                />
                <input
                  type="color"
                  aria-label="Pick the accent colour"
                  disabled={!editable}
                  value={isHexColour(a.accentColor) ? a.accentColor : DEFAULT_ACCENT}
                  onInput={(e) => setAppearance('accentColor', e.currentTarget.value)}
                />
              </div>
            )}
          </Field>
          <Field path="appearance.radius" label="Corner radius (0–32 px)" issues={issues}>
            {(a11y) => (
              <input
                {...a11y}
                type="number"
                min={0}
                max={32}
                readOnly={!editable}
                value={a.radius ?? ''}
                onInput={(e) => {
                  const v = e.currentTarget.value
                  setAppearance('radius', v === '' ? undefined : Number(v))
                }}
              />
            )}
          </Field>
        </div>
        <AccentCheck
          accent={a.accentColor}
          theme={a.theme}
          editable={editable}
          onUse={(hex) => {
            setAppearance('accentColor', hex)
            // The button goes with the warning: keep the focus on the colour it changed.
            accentInput.current?.focus()
          }}
        />
        <div class="check">
          <input
            type="checkbox"
            id="appearance-floating"
            disabled={!editable}
            checked={a.floatingButton}
            onChange={(e) => setAppearance('floatingButton', e.currentTarget.checked)}
          />
          <label for="appearance-floating">Floating button to reopen the cookie settings</label>
        </div>
      </section>

      <LivePreview siteId={siteId} state={server} dirty={dirty} />

      <DraftConflict base={server.draft} mine={whole} theirs={conflict} note={note} onSettle={settle} />

      {editable && (
        <SaveBar what="draft" state={status} dirty={dirty} onSave={() => void save()} />
      )}
    </EditableContext.Provider>
  )
}
