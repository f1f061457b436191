"""What every fake HTTP server here shares: the request log record and the werkzeug tweaks
(Nagle off, quiet, a keep-alive fast path, a quick stop). Below proxy, sumdb and httpfaults."""
