import { describe, expect, it, vi } from 'vitest'
import { announce } from './editable-table'

describe('announce', () => {
  it('speaks through a live region that was in the page before its first words', () => {
    vi.useFakeTimers()
    try {
      // Added as the dashboard loads: a screen reader may miss the first words of a region added with them.
      const regions = document.querySelectorAll('[aria-live="polite"].visually-hidden')
      expect(regions).toHaveLength(1)
      announce('Analytics moved up, now 2 of 4')
      vi.advanceTimersByTime(50)
      expect(document.querySelectorAll('[aria-live="polite"].visually-hidden')).toHaveLength(1)
      expect(regions[0]!.textContent).toBe('Analytics moved up, now 2 of 4')
    } finally {
      vi.useRealTimers()
    }
  })
})
