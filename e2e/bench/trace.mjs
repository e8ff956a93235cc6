// Main-thread time of a consent manager, from a chromium trace of one visit (DevTools' own
// categories plus its sampling CPU profiler), in thread (CPU) time, which CPU throttling slows down
// but other processes on the machine do not. Attributed by URL, on the page's renderer main thread:
// - JavaScript: every profiler sample whose innermost frame with a URL is one of the manager's
//   files (so DOM calls, forced style/layout and microtasks it runs count; the site's gated tags it
//   starts do not);
// - compiling its scripts (v8.compile / v8.compileModule events) and parsing its stylesheets
//   (ParseAuthorStyleSheet of its CSS files).
// Not attributable by URL: the frames the browser renders afterwards (style, layout, paint of the
// banner); `pageMs`, the thread time of every task of the page's main thread, shows those alongside.
// The same in wall time (`…WallMs`) is kept for reference.

export const TRACE_CATEGORIES = (process.env.BENCH_TRACE_CATS ?? 'disabled-by-default-devtools.timeline,devtools.timeline,v8.execute,disabled-by-default-v8.cpu_profiler').split(',')

/** Union length of [start, end) intervals, in the trace's microseconds. */
function unionLength(intervals) {
  const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])
  let total = 0
  let end = -Infinity
  for (const [a, b] of sorted) {
    if (b <= end) continue
    total += b - Math.max(a, end)
    end = b
  }
  return total
}

const inside = (t, intervals) => intervals.some(([a, b]) => t >= a && t < b)

/**
 * @param events the trace's traceEvents
 * @param pageUrl the visited page, to find its renderer's main thread
 * @param isManager (url) => whether a script or stylesheet URL is the manager's
 */
export function attribute(events, pageUrl, isManager) {
  const parse = events.find((e) => e.name === 'ParseHTML' && e.args?.beginData?.url?.startsWith(pageUrl))
  if (!parse) throw new Error(`trace: no ParseHTML of ${pageUrl}`)
  const { pid, tid } = parse
  const main = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X')

  const fixed = []
  for (const e of main) {
    const url = e.args?.data?.url ?? e.args?.fileName
    const mine =
      ((e.name === 'v8.compile' || e.name === 'v8.compileModule') && url && isManager(url)) ||
      (e.name === 'ParseAuthorStyleSheet' && isManager(e.args?.data?.styleSheetUrl ?? ''))
    if (mine) fixed.push({ start: e.ts, end: e.ts + e.dur, cpu: e.tdur ?? e.dur })
  }
  const fixedIntervals = fixed.map((f) => [f.start, f.end])

  // The sampling profiler of the page's isolate: a Profile event, then chunks with the same id.
  // Each sample stands for the wall time until the next one.
  const profile = events.find((e) => e.name === 'Profile' && e.pid === pid && e.tid === tid)
  const mySamples = []
  if (profile) {
    const nodes = new Map()
    const samples = []
    let t = profile.args.data.startTime
    for (const chunk of events.filter((e) => e.name === 'ProfileChunk' && e.pid === pid && e.id === profile.id)) {
      const data = chunk.args.data
      for (const n of data.cpuProfile?.nodes ?? []) nodes.set(n.id, n)
      const ids = data.cpuProfile?.samples ?? []
      const deltas = data.timeDeltas ?? []
      for (let i = 0; i < ids.length; i++) samples.push([(t += deltas[i] ?? 0), ids[i]])
    }
    samples.sort((a, b) => a[0] - b[0])
    const owner = new Map()
    const ownerOf = (id) => {
      if (owner.has(id)) return owner.get(id)
      let n = nodes.get(id)
      while (n && !n.callFrame?.url) n = nodes.get(n.parent)
      const mine = !!n && isManager(n.callFrame.url)
      owner.set(id, mine)
      return mine
    }
    for (let i = 0; i + 1 < samples.length; i++) {
      const [at, id] = samples[i]
      if (ownerOf(id) && !inside(at, fixedIntervals)) mySamples.push([at, samples[i + 1][0] - at])
    }
  }

  // Top-level tasks of the main thread (a nested run loop's tasks lie inside another one).
  const tasks = []
  for (const e of main.filter((e) => e.name === 'RunTask').sort((a, b) => a.ts - b.ts)) {
    const last = tasks[tasks.length - 1]
    if (last && e.ts < last.ts + last.dur) continue
    tasks.push(e)
  }
  // Thread time: wall time also counts the moments the OS gave the CPU to another process, which on
  // a busy machine is most of it. Within each task, the manager gets the thread time of its compile
  // and CSS events, and of the rest of the task the share its samples have of the rest's wall time.
  let wallUs = mySamples.reduce((s, [, d]) => s + d, 0) + unionLength(fixedIntervals)
  let cpuUs = 0
  for (const task of tasks) {
    const end = task.ts + task.dur
    const f = fixed.filter((x) => x.start >= task.ts && x.start < end)
    const fWall = f.reduce((s, x) => s + (x.end - x.start), 0)
    const fCpu = f.reduce((s, x) => s + x.cpu, 0)
    const js = mySamples.filter(([at]) => at >= task.ts && at < end).reduce((s, [, d]) => s + d, 0)
    const restWall = task.dur - fWall
    const restCpu = (task.tdur ?? task.dur) - fCpu
    cpuUs += fCpu + (restWall > 0 ? Math.max(0, restCpu) * Math.min(1, js / restWall) : 0)
  }
  return {
    sdkMs: cpuUs / 1000,
    sdkWallMs: wallUs / 1000,
    pageMs: tasks.reduce((s, t) => s + (t.tdur ?? t.dur), 0) / 1000,
    pageWallMs: tasks.reduce((s, t) => s + t.dur, 0) / 1000,
    profiled: !!profile,
  }
}
