import { cleanup, configure } from '@testing-library/preact'
import { afterEach, beforeEach } from 'vitest'

// findBy*/waitFor give up after 1 s by default, too short for whole-app renders on a busy machine.
configure({ asyncUtilTimeout: 5000 })

beforeEach(() => {
  document.title = ''
  history.replaceState(null, '', '/')
})
afterEach(cleanup)
