// A reload that many events may ask for at once (a page's requests refused together when the
// user's role changed): one runs at a time, and whatever asks while it runs gets one more run
// after it, which sees every change made before those asks.

/** `run` made into a trigger that never overlaps two runs and coalesces the asks made during one. */
export function oneAtATime(run: () => Promise<unknown>): () => void {
  let running = false
  let again = false
  const start = () => {
    running = true
    again = false
    const done = () => {
      running = false
      if (again) start()
    }
    run().then(done, done)
  }
  return () => {
    if (running) again = true
    else start()
  }
}
