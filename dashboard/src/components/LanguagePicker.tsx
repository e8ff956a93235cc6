// The language a page edits, and a form to add another: the catalogue's labels and purposes, the
// texts of the banner. One component, so that both pages refuse a tag the same way and say why.
import { readLanguageTag } from '../languages'
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
  /** Absent for a reader, who has nothing to add a language to. */
  onAdd: ((l: string) => void) | undefined
}) {
  const [adding, setAdding] = useState('')
  const [error, setError] = useState<string | null>(null)
  const addId = `${id}-add-language`
  return (
    <div class="language-picker">
      <div class="field">
        <label for={`${id}-language`}>{label}</label>
        <select id={`${id}-language`} value={language} onChange={(e) => onLanguage(e.currentTarget.value)}>
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
            const read = readLanguageTag(adding)
            if ('error' in read) {
              setError(read.error)
              return
            }
            setError(null)
            setAdding('')
            onAdd(read.tag)
          }}
          noValidate
        >
          <label for={addId}>Add a language (e.g. de, pt-BR)</label>
          <div class="inline-controls">
            <input
              id={addId}
              value={adding}
              onInput={(e) => setAdding(e.currentTarget.value)}
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
        </form>
      )}
    </div>
  )
}
