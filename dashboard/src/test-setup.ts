import { cleanup } from '@testing-library/preact'
import { afterEach, beforeEach } from 'vitest'

beforeEach(() => {
  document.title = ''
  history.replaceState(null, '', '/')
})
afterEach(cleanup)
