-- wrk script: GET with the session cookie (when given).
function init(args)
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
end
done = dofile(os.getenv("BENCH_DIR") .. "/summary.lua")
