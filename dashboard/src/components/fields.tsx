// Form fields that show their own validation message: a zod issue from the dashboard or an
// `issues` entry from the server, matched by the field's dotted path (`entries.3.expiry`).
import { createContext, type ComponentChildren } from 'preact'
import { useContext } from 'preact/hooks'
import { z } from 'zod'

/** False on pages an auditor reads: text stays selectable (read-only), selects and boxes are disabled. */
export const EditableContext = createContext(true)

export type Issues = Record<string, string>

export function fieldId(path: string): string {
  return 'f-' + path.replace(/[^A-Za-z0-9_-]/g, '-')
}

/**
 * `z.safeParse` issues (or the server's) as one message per dotted path; the first message wins.
 * Where a rule gave no message of its own, zod's ("Too small: expected string to have >=1
 * characters") is put in the page's words.
 */
export function issuesByPath(list: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> | string; message: string }>): Issues {
  const out: Issues = {}
  for (const issue of list) {
    const key = typeof issue.path === 'string' ? issue.path : issue.path.map(String).join('.')
    if (!(key in out)) out[key] = 'code' in issue ? readableMessage(issue as z.core.$ZodIssue) : issue.message
  }
  return out
}

/**
 * The issues of a draft save's refusal, by their path in the draft: the server names them by their
 * path in the request's body (`catalogue.entries.0.domain`), the editors' fields by their path in
 * the catalogue (`entries.0.domain`).
 */
export const draftIssuesByPath = (list: ReadonlyArray<{ path: string; message: string }>): Issues =>
  issuesByPath(list.map((issue) => (issue.path.startsWith('catalogue.') ? { ...issue, path: issue.path.slice('catalogue.'.length) } : issue)))

/** What zod itself says of an issue: its message when no rule gave one. */
function zodsOwnMessage(issue: z.core.$ZodIssue): string | undefined {
  const said = z.config().localeError?.(issue as unknown as z.core.$ZodRawIssue)
  return typeof said === 'string' ? said : (said?.message ?? undefined)
}

/** Zod's "received …" comes from the input, which a parsed issue no longer carries: compared without it. */
const withoutReceived = (message: string | undefined) => message?.replace(/, received .*$/, '')

function readableMessage(issue: z.core.$ZodIssue): string {
  const own = zodsOwnMessage(issue)
  const isZods = issue.code === 'invalid_type' ? withoutReceived(issue.message) === withoutReceived(own) : issue.message === own
  if (!isZods) return issue.message
  switch (issue.code) {
    case 'too_small': {
      const n = Number(issue.minimum)
      if (issue.origin === 'string') return n <= 1 ? 'Enter a value' : `Use at least ${n} characters`
      if (issue.origin === 'array' || issue.origin === 'set') return n <= 1 ? 'Add at least one' : `Add at least ${n}`
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return issue.inclusive ? `Use ${n} or more` : `Use more than ${n}`
      break
    }
    case 'too_big': {
      const n = Number(issue.maximum)
      if (issue.origin === 'string') return `Use at most ${n} characters`
      if (issue.origin === 'array' || issue.origin === 'set') return `List at most ${n}`
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') return issue.inclusive ? `Use ${n} or less` : `Use less than ${n}`
      break
    }
    case 'invalid_type':
      if (issue.expected === 'int') return 'Enter a whole number'
      if (issue.expected === 'number') return 'Enter a number'
      return 'Enter a value'
    case 'invalid_format':
      if (issue.format === 'starts_with') return `Start it with “${(issue as z.core.$ZodIssueStringStartsWith).prefix}”`
      if (issue.format === 'ends_with') return `End it with “${(issue as z.core.$ZodIssueStringEndsWith).suffix}”`
      if (issue.format === 'email') return 'Enter an email address'
      if (issue.format === 'url') return 'Enter a web address'
      return 'This is not in the expected form'
    case 'invalid_value':
      return issue.values.length === 1 ? `Use ${String(issue.values[0])}` : `Choose one of: ${issue.values.map(String).join(', ')}`
    case 'not_multiple_of':
      return `Use a multiple of ${Number(issue.divisor)}`
    // A record's key or a set's element: what its own rule said of it.
    case 'invalid_key':
    case 'invalid_element':
      if (issue.issues[0]) return readableMessage(issue.issues[0])
      break
  }
  return 'This value is not valid'
}

interface FieldProps {
  path: string
  label: string
  issues: Issues
  hint?: string
  /** Hide the label visually (table cells); it stays the input's accessible name. */
  hiddenLabel?: boolean
  children: (props: {
    id: string
    'aria-invalid': true | undefined
    'aria-describedby': string | undefined
  }) => ComponentChildren
  class?: string
}

export function Field({ path, label, issues, hint, hiddenLabel, children, class: cls }: FieldProps) {
  const id = fieldId(path)
  const error = issues[path]
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined
  return (
    <div class={cls ?? 'field'}>
      <label for={id} class={hiddenLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  )
}

interface InputProps {
  type?: 'text' | 'url' | 'email' | 'password' | 'date' | 'search'
  onFocus?: () => void
  onBlur?: () => void
  spellcheck?: boolean
  size?: number
  autoComplete?: string
  placeholder?: string
  readOnly?: boolean
  /** For text in one language (languageAttributes): its tag, and the way it runs, right to left for Arabic. */
  lang?: string
  dir?: 'ltr' | 'rtl'
}

/** A text input bound to a string; empty means "not set" for optional fields. */
export function TextField({
  path,
  label,
  issues,
  value,
  onValue,
  hint,
  hiddenLabel,
  class: cls,
  ...rest
}: {
  path: string
  label: string
  issues: Issues
  value: string | undefined
  onValue: (value: string) => void
  hint?: string
  hiddenLabel?: boolean
  class?: string
} & InputProps) {
  const editable = useContext(EditableContext)
  return (
    <Field path={path} label={label} issues={issues} hint={hint} hiddenLabel={hiddenLabel} class={cls}>
      {(a11y) => <input {...(rest as { type: 'text' })} type={(rest.type ?? 'text') as 'text'} readOnly={!editable || rest.readOnly} {...a11y} value={value ?? ''} onInput={(e) => onValue(e.currentTarget.value)} />}
    </Field>
  )
}

export function SelectField({
  path,
  label,
  issues,
  value,
  onValue,
  options,
  hiddenLabel,
  hint,
  class: cls,
}: {
  path: string
  label: string
  issues: Issues
  value: string
  onValue: (value: string) => void
  options: ReadonlyArray<{ value: string; label: string }>
  hiddenLabel?: boolean
  hint?: string
  class?: string
}) {
  const editable = useContext(EditableContext)
  return (
    <Field path={path} label={label} issues={issues} hiddenLabel={hiddenLabel} hint={hint} class={cls}>
      {(a11y) => (
        <select {...a11y} disabled={!editable} value={value} onChange={(e) => onValue(e.currentTarget.value)}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </Field>
  )
}

/** The element of a field's path, or of the nearest path above it that has one (`a.b.2` → `a.b`). */
function fieldFor(path: string): HTMLElement | null {
  for (let parts = path.split('.'); parts.length; parts.pop()) {
    const el = document.getElementById(fieldId(parts.join('.')))
    if (el) return el
  }
  return null
}

/**
 * Lists every problem with a link to its field, so none goes unnoticed below the fold. `what`
 * names the thing saved ("draft", "settings"), as SaveBar's. `pageFor` gives the address of
 * another page where a problem's field is (a draft's texts, listed on the Catalogue page): its
 * link goes there.
 */
export function IssueSummary({
  what,
  issues,
  labelFor,
  pageFor,
  id,
}: {
  what: string
  issues: Issues
  labelFor: (path: string) => string
  pageFor?: (path: string) => string | undefined
  id: string
}) {
  const paths = Object.keys(issues)
  if (!paths.length) return null
  return (
    <div class="form-error" id={id} tabIndex={-1}>
      <p>
        <strong>
          {paths.length === 1 ? 'One problem needs fixing' : `${paths.length} problems need fixing`} before the {what} can be
          saved:
        </strong>
      </p>
      <ul>
        {paths.map((path) => (
          <li key={path}>
            <a
              href={pageFor?.(path) ?? `#${fieldId(path)}`}
              onClick={(e) => {
                // A field on another page: followed there (the unsaved-changes check asks first).
                if (pageFor?.(path)) return
                // Never followed as a link: a hash no element has would move nothing and change the
                // address. The field itself, or the nearest part of the form that holds it.
                e.preventDefault()
                fieldFor(path)?.focus()
              }}
            >
              {labelFor(path)}
            </a>
            : {issues[path]}
          </li>
        ))}
      </ul>
    </div>
  )
}
