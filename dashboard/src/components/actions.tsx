// Keeping keyboard focus where the user is while an action runs, and after it (review: focus fell
// to <body> after every main action, and the next Tab started over at the top of the page).
import type { ButtonHTMLAttributes, TargetedMouseEvent } from 'preact'
import { useEffect, useRef } from 'preact/hooks'

/**
 * The props that make a control unavailable while `inactive` (its request runs, the last page is
 * reached) without `disabled`: a disabled control loses keyboard focus, which falls to <body>.
 * It stays focusable, says it is unavailable (aria-disabled), and its activation is ignored; for a
 * submit button the click is cancelled, so the form is not submitted either.
 */
export function inactiveWhile<T extends EventTarget>(
  inactive: boolean,
  onClick?: (e: TargetedMouseEvent<T>) => void,
): { 'aria-disabled': boolean; onClick: (e: TargetedMouseEvent<T>) => void } {
  return {
    'aria-disabled': inactive,
    onClick: (e) => {
      if (inactive) e.preventDefault()
      else onClick?.(e)
    },
  }
}

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'disabled' | 'type'> & {
  /** Pressing it does nothing meanwhile (see inactiveWhile). */
  inactive: boolean
  onClick?: (e: TargetedMouseEvent<HTMLButtonElement>) => void
  type?: 'button' | 'submit'
  /** For a button not usable at all yet (nothing to confirm), which the user has not pressed. */
  disabled?: boolean
}

/** A button that keeps keyboard focus while its action runs: see inactiveWhile. */
export function ActionButton({ inactive, onClick, type = 'button', ...rest }: ButtonProps) {
  return <button {...rest} type={type} {...inactiveWhile(inactive, onClick)} />
}

/** What an action came to, to announce; `focus`: the control that made it is gone, so focus moves to the sentence. */
export interface Outcome {
  text: string
  focus: boolean
  /** The class of the sentence (`notice` unless given). */
  tone?: string
}

/**
 * Says `outcome` in a status region that outlives the control that made it (a confirmation panel
 * that closes, a row that goes). A new outcome object with `focus` moves focus to the sentence:
 * else focus would fall to <body> with the control, and a keyboard user would start over at the top.
 */
export function OutcomeStatus({ outcome, class: cls }: { outcome: Outcome | null; class?: string }) {
  const message = useRef<HTMLParagraphElement>(null)
  useEffect(() => {
    if (outcome?.focus) message.current?.focus()
  }, [outcome])
  return (
    <div role="status" class={cls}>
      {outcome && (
        <p ref={message} class={outcome.tone ?? 'notice'} tabIndex={-1}>
          {outcome.text}
        </p>
      )}
    </div>
  )
}
