-- One benchmark cell for wrk. Run it with as many threads as connections (-t N -c N):
-- each wrk thread then owns exactly one connection, and setup() hands thread i the
-- i-th cookie line of $BENCH_COOKIES, so every connection replays its own session.
-- A file with a single line puts every connection on that one session.

local cookies = {}
local assigned = 0

local function load_cookies()
  for line in io.lines(os.getenv('BENCH_COOKIES')) do
    if #line > 0 then
      cookies[#cookies + 1] = line
    end
  end
  if #cookies == 0 then
    error('no cookies in ' .. os.getenv('BENCH_COOKIES'))
  end
end

function setup(thread)
  if #cookies == 0 then
    load_cookies()
  end
  thread:set('cookie', cookies[(assigned % #cookies) + 1])
  assigned = assigned + 1
end

function init(args)
  wrk.headers['Cookie'] = cookie
  prepared = wrk.format('GET', wrk.path, wrk.headers)
end

function request()
  return prepared
end

-- Machine-readable summary on the last line of stdout; latencies in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationUs":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
      '"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.mean
  ))
end
