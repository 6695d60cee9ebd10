-- wrk script: POSTs a real completed callback body with a task id unique per request,
-- so every request goes through the whole intake (decode, ledger commit, download job).
-- Environment: BENCH_PATH (the callback path), BENCH_CLOSE=1 for Connection: close,
-- BENCH_DELAY_MS (pause before each request, to hold a steady lower rate).
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  counter = 0
  run = tostring(os.time() % 100000)
  path = os.getenv("BENCH_PATH") or "/"
  headers = { ["Content-Type"] = "application/json", ["Host"] = "localhost" }
  if os.getenv("BENCH_CLOSE") == "1" then headers["Connection"] = "close" end
  pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
  status = os.getenv("BENCH_STATUS") or "completed"
end

function delay()
  return pause
end

request = function()
  counter = counter + 1
  local id = string.format("task-unified-1761313744-b%s_%d_%d", run, tid, counter)
  local body = '{"created":1761313744,"id":"' .. id .. '","model":"seedance-1.5-pro",'
    .. '"object":"video.generation.task","progress":100,'
    .. '"results":["https://media.example.com/videos/' .. id .. '.mp4"],"status":"' .. status .. '",'
    .. '"task_info":{"can_cancel":false,"video_duration":8},"type":"video",'
    .. '"usage":{"billing_rule":"per_call","credits_reserved":8,"user_group":"default"}}'
  return wrk.format("POST", path, headers, body)
end
