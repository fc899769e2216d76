-- wrk: POST the photo named by the PHOTO environment variable as the raw body.
local f = assert(io.open(os.getenv("PHOTO"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/octet-stream"
