// The language a page edits, and a form to add another: the catalogue's labels and purposes, the
// texts of the banner. One component, so that both pages refuse a tag the same way and say why.
import { readLanguageTag, spellingIn } from '../languages'
import { useState } from 'preact/hooks'

export function LanguagePicker({
  id,
  label,
  languages,
  language,
  onLanguage,
  onAdd,
}: {
  /** Prefix of the controls' ids (`catalogue` gives `catalogue-language`). */
  id: string
  /** The select's label: what the language is of. */
  label: string
  languages: readonly string[]
  language: string
  onLanguage: (l: string) => void
  /** Absent for a reader, who has nothing to add a language to. Never given one of `languages`, in any case. */
  onAdd: ((l: string) => void) | undefined
}) {
  const [adding, setAdding] = useState('')
  const [error, setError] = useState<string | null>(null)
  /** Said when the language added is listed already: the picker shows it instead. */
  const [shown, setShown] = useState('')
  const addId = `${id}-add-language`
  return (
    <div class="language-picker">
      <div class="field">
        <label for={`${id}-language`}>{label}</label>
        <select
          id={`${id}-language`}
          value={language}
          onChange={(e) => {
            setShown('')
            onLanguage(e.currentTarget.value)
          }}
        >
          {languages.map((l) => (
            <option key={l} value={l}>
              {l}
            </option>
          ))}
        </select>
      </div>
      {onAdd && (
        <form
          class="field"
          onSubmit={(e) => {
            e.preventDefault()
            setShown('')
            const read = readLanguageTag(adding)
            if ('error' in read) {
              setError(read.error)
              return
            }
            setError(null)
            setAdding('')
            // Tags match in any case (the SDK's inLanguage): `pt-br` beside a listed `pt-BR` would be
            // a second set of texts for one language, which the save refuses. Show the one listed.
            const listed = spellingIn(languages, read.tag)
            if (listed === undefined) return onAdd(read.tag)
            setShown(listed === read.tag ? `"${listed}" is already listed: showing it.` : `"${read.tag}" is the same language as "${listed}", already listed: showing it.`)
            onLanguage(listed)
          }}
          noValidate
        >
          <label for={addId}>Add a language (e.g. de, pt-BR)</label>
          <div class="inline-controls">
            <input
              id={addId}
              value={adding}
              onInput={(e) => {
                setShown('')
                setAdding(e.currentTarget.value)
              }}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? `${addId}-error` : undefined}
              size={8}
              spellcheck={false}
            />
            <button type="submit">Add language</button>
          </div>
          {error && (
            <p id={`${addId}-error`} class="field-error">
              {error}
            </p>
          )}
          {/* There all along, so that it is announced when it fills. */}
          <div role="status">{shown && <p class="hint">{shown}</p>}</div>
        </form>
      )}
    </div>
  )
}
