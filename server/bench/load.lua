-- wrk's script for the server's benchmark (run.ts). Without BENCH_POSTS, wrk sends its own request
-- (the URL, with the -H headers). With it, each request is the next consent record of that file,
-- one per line: the visitor's address, a tab, the JSON body, sent as a browser sends the SDK's
-- beacon from the site's page: text/plain, with the page's Origin (BENCH_ORIGIN). A record is sent
-- once; should a run outpace the file, it starts again from the top and counts the records sent
-- twice (`reused`), which the store answers 200 without storing them again. done() prints one
-- line for run.ts.
local posts = os.getenv("BENCH_POSTS")
local origin = os.getenv("BENCH_ORIGIN")
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

if posts then
  local requests, count, at, wrapped = {}, 0, 0, false
  reused = 0

  -- In each thread before the run's time starts: wrk.format() needs the URL's Host, set by then.
  init = function(args)
    for line in io.lines(posts) do
      local tab = line:find("\t", 1, true)
      count = count + 1
      requests[count] = wrk.format("POST", nil, {
        ["Content-Type"] = "text/plain;charset=UTF-8",
        ["User-Agent"] = "Mozilla/5.0 (bench)",
        ["X-Forwarded-For"] = line:sub(1, tab - 1),
        ["Origin"] = origin,
      }, line:sub(tab + 1))
    end
  end

  request = function()
    at = at + 1
    if at > count then
      at, wrapped = 1, true
    end
    if wrapped then
      reused = reused + 1
    end
    return requests[at]
  end
end

done = function(summary, latency, requests)
  local again = 0
  for _, thread in ipairs(threads) do
    again = again + (thread:get("reused") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"us":%d,"p99":%.3f,"non2xx":%d,"errors":%d,"reused":%d}\n',
    summary.requests, summary.duration, latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout, again))
end
