-- wrk script: the bare reference's one-row update.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "note=benchmark"
done = dofile(os.getenv("BENCH_DIR") .. "/summary.lua")
