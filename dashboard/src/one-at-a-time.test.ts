import { describe, expect, it } from 'vitest'
import { oneAtATime } from './one-at-a-time'

/** A run that stays pending until the test settles it. */
function controlledRun() {
  const settles: { resolve: () => void; reject: (e: Error) => void }[] = []
  const run = () =>
    new Promise<void>((resolve, reject) => {
      settles.push({ resolve, reject })
    })
  return { run, settles }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

describe('oneAtATime', () => {
  it('runs once for the first ask, and once more after it for any number of asks meanwhile', async () => {
    const { run, settles } = controlledRun()
    const trigger = oneAtATime(run)
    for (let i = 0; i < 5; i++) trigger()
    expect(settles).toHaveLength(1)
    settles[0]!.resolve()
    await flush()
    expect(settles).toHaveLength(2)
    settles[1]!.resolve()
    await flush()
    expect(settles).toHaveLength(2)
  })

  it('runs again for an ask after a run has ended, and after a run that failed', async () => {
    const { run, settles } = controlledRun()
    const trigger = oneAtATime(run)
    trigger()
    settles[0]!.reject(new Error('offline'))
    await flush()
    expect(settles).toHaveLength(1)
    trigger()
    expect(settles).toHaveLength(2)
    trigger()
    settles[1]!.resolve()
    await flush()
    expect(settles).toHaveLength(3)
  })
})
