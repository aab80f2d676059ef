-- wrk-common.lua: the counting and reporting shared by the benchmarks' wrk scripts.
--
-- A script loads it and hands over a classifier:
--   local common = dofile(bench_dir .. "wrk-common.lua")
--   common.install(classify, {errors = {"non2xx", "no_token"}, tallies = {...}})
-- classify(status, headers, body) returns  bad, tally  where bad is nil for a good response or
-- the name of one of `errors`, and tally (optional) names one of `tallies` to count (good or bad).
--
-- names.duration (optional): function(summary, threads) returning the seconds the run really
-- lasted, for scripts whose threads stop early (wrk divides by the whole -d otherwise).
--
-- install() defines wrk's setup/response/done. Each wrk thread runs its own Lua state: the counters
-- are per-thread globals, summed in done() through the thread handles collected by setup(). At the
-- end one machine-readable line is printed:
--   RESULT rps=.. p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. requests=.. ok=.. <error>=.. ...
--          sock_errors=.. errors=.. [<tally>=.. ...] duration_s=..
-- and, when something went wrong, one SAMPLE_BAD line with the first bad status and body.

local M = {}

function M.form_encode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function M.install(classify, names)
  local errors = names.errors or {}
  local tallies = names.tallies or {}
  local threads = {}

  good = 0
  sample_bad = nil
  for _, n in ipairs(errors) do _G["bad_" .. n] = 0 end
  for _, n in ipairs(tallies) do _G["tally_" .. n] = 0 end

  function setup(thread)
    threads[#threads + 1] = thread
  end

  function response(status, headers, body)
    local bad, tally = classify(status, headers, body)
    if tally then
      _G["tally_" .. tally] = _G["tally_" .. tally] + 1
    end
    if bad == nil then
      good = good + 1
      return
    end
    _G["bad_" .. bad] = _G["bad_" .. bad] + 1
    if sample_bad == nil then
      sample_bad = status .. " " .. string.sub(body or "", 1, 300)
    end
  end

  function done(summary, latency, requests)
    local t_good, sample, bad_total = 0, nil, 0
    local bad_counts, tally_counts = {}, {}
    for _, t in ipairs(threads) do
      t_good = t_good + (t:get("good") or 0)
      sample = sample or t:get("sample_bad")
      for _, n in ipairs(errors) do bad_counts[n] = (bad_counts[n] or 0) + (t:get("bad_" .. n) or 0) end
      for _, n in ipairs(tallies) do tally_counts[n] = (tally_counts[n] or 0) + (t:get("tally_" .. n) or 0) end
    end
    local e = summary.errors
    local sock = e.connect + e.read + e.write + e.timeout
    local seconds = summary.duration / 1e6
    -- a script whose threads may stop before -d is over (wrk still counts the whole -d) says how
    -- long they really ran
    if names.duration then seconds = names.duration(summary, threads) or seconds end
    if sample then
      io.write("SAMPLE_BAD " .. string.gsub(sample, "[\r\n]", " ") .. "\n")
    end
    local line = string.format("RESULT rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f requests=%d ok=%d",
      summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, summary.requests, t_good)
    for _, n in ipairs(errors) do
      line = line .. string.format(" %s=%d", n, bad_counts[n])
      bad_total = bad_total + bad_counts[n]
    end
    line = line .. string.format(" sock_errors=%d errors=%d", sock, bad_total + sock)
    for _, n in ipairs(tallies) do line = line .. string.format(" %s=%d", n, tally_counts[n]) end
    io.write(line .. string.format(" duration_s=%.1f\n", seconds))
  end
end

return M
