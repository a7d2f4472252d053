-- wrk script: autosave POSTs of one inspection's answers. Each thread keeps its own items and their
-- row versions (given at the start, then read back from each answer), so every save is a real change,
-- never a conflict.
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  items = {}
  versions = {}
  local count = tonumber(os.getenv("BENCH_THREADS"))
  local n = 0
  for id in string.gmatch(os.getenv("BENCH_ITEMS"), "%d+") do
    if n % count == index then table.insert(items, tonumber(id)) end
    n = n + 1
  end
  for id, version in string.gmatch(os.getenv("BENCH_VERSIONS"), "(%d+)=(%d+)") do
    versions[tonumber(id)] = tonumber(version)
  end
  turn = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["HX-Request"] = "true"
  wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
  wrk.headers["X-CSRFToken"] = os.getenv("BENCH_CSRF")
end

function request()
  turn = turn + 1
  local id = items[(turn % #items) + 1]
  local result = (turn % 2 == 0) and "pass" or "fail"
  local body = string.format("a%d-result=%s&a%d-version=%d&a%d-save=t%d-%d",
    id, result, id, versions[id] or 0, id, index, turn)
  return wrk.format("POST", string.format(os.getenv("BENCH_PATH"), id), nil, body)
end

function response(status, headers, body)
  local id, version = string.match(body, 'name="a(%d+)%-version" value="(%d+)"')
  if id then versions[tonumber(id)] = tonumber(version) end
  if status ~= 200 and not reported then  -- show the first refusal once: it says what went wrong
    reported = true
    io.write("first refused save: " .. status .. " " .. string.sub(body, 1, 300) .. "\n")
  end
end

done = dofile(os.getenv("BENCH_DIR") .. "/summary.lua")
