#!/usr/bin/env bash
# Malformed HTTP requests as raw bytes over a socket (python3's socket
# module) against waybilld on a free 127.0.0.1 port. Those libmicrohttpd
# passes to us get our JSON error naming the problem (414 target, 431
# header line / header section, 400 Content-Length with
# Transfer-Encoding, 501 a coding other than chunked, 413 a body over the
# cap); those it answers itself are checked to be exactly what
# docs/api/access.md says it sends. After each case the daemon still
# answers /healthz, and it exits cleanly at the end.
. "$(dirname "$0")/lib.bash"
: "${WAYBILLD:?set WAYBILLD to the waybilld binary}"
cd "$T"

W init --origin raw.waybill.example >/dev/null
${WB_TEST_WRAPPER:+${WB_TEST_WRAPPER//;/ }} "$WAYBILLD" --listen 127.0.0.1:0 --body-max 4096 \
    >"$T/d.out" 2>"$T/d.err" &
DPID=$!
trap '[ -n "$DPID" ] && kill "$DPID" 2>/dev/null; rm -rf "$T"' EXIT
PORT=
for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$T/d.out")
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { bad "daemon did not start: $(cat "$T/d.err")"; finish; }

/usr/bin/python3 - "$PORT" >"$T/raw.out" 2>&1 <<'PY'
import json, socket, sys

port = int(sys.argv[1])
fails = 0
passes = 0


def send(data, timeout=5.0):
    """The bytes the server sent back until it closed (or the timeout)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    out = b""
    try:
        s.sendall(data)
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    s.close()
    return out


def parse(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines and lines[0].startswith("HTTP/") else 0
    hdr = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdr[k.strip().lower()] = v.strip()
    n = int(hdr.get("content-length", len(body)))
    return status, hdr, body[:n]


def check(cond, what):
    global fails, passes
    if cond:
        passes += 1
    else:
        fails += 1
        print("FAIL:", what)


def alive(label):
    st, _, body = parse(send(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 3))
    check(st == 200 and b'"status":"ok"' in body, label + ": daemon serves after it")


def ours(label, data, status, field, text):
    """A case we answer: status, JSON {"error", "field"}, Connection: close."""
    st, hdr, body = parse(send(data))
    check(st == status, "%s: status %d, want %d (%r)" % (label, st, status, body[:200]))
    check(hdr.get("content-type") == "application/json", label + ": JSON content type")
    try:
        j = json.loads(body)
    except ValueError:
        j = {}
        check(False, label + ": body is not JSON: %r" % body[:200])
    check(j.get("field") == field, "%s: field %r, want %r" % (label, j.get("field"), field))
    check(text in j.get("error", ""), "%s: error %r lacks %r" % (label, j.get("error"), text))
    check(hdr.get("connection", "").lower() == "close", label + ": connection closed")
    alive(label)


def theirs(label, data, status, title):
    """A case libmicrohttpd answers itself (docs/api/access.md): its status
    and its HTML page with that title."""
    raw = send(data)
    st, hdr, body = parse(raw)
    check(st == status, "%s: status %d, want %d (%r)" % (label, st, status, body[:200]))
    # (for a bad Content-Length 0.9.75 sends its status line and headers
    # twice: the page follows the second copy)
    check(("<title>%s</title>" % title).encode() in raw,
          "%s: libmicrohttpd's page %r lacks title %r" % (label, raw[:300], title))
    alive(label)


def silent(label, data):
    """A case libmicrohttpd closes without any answer."""
    out = send(data, 3)
    check(out == b"", "%s: expected no answer, got %r" % (label, out[:100]))
    alive(label)


H = b"Host: x\r\n"
# ---- ours: our caps come before libmicrohttpd's memory limit -------------
ours("target over 8192", b"GET /v1/" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n",
     414, "uri", "more than 8192")
ours("query over 8192", b"GET /healthz?a=" + b"b" * 20000 + b" HTTP/1.1\r\n" + H + b"\r\n",
     414, "uri", "more than 8192")
ours("target of 60000", b"GET /" + b"a" * 60000 + b" HTTP/1.1\r\n" + H + b"\r\n",
     414, "uri", "60001 bytes")
ours("header line over 8192", b"GET /healthz HTTP/1.1\r\n" + H + b"X-Long: " + b"v" * 9000 + b"\r\n\r\n",
     431, "X-Long", "header X-Long is 9010 bytes")
ours("header line of 50000", b"GET /healthz HTTP/1.1\r\n" + H + b"X-Long: " + b"v" * 50000 + b"\r\n\r\n",
     431, "X-Long", "more than 8192")
ours("headers over 16384", b"GET /healthz HTTP/1.1\r\n" + H + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 4000) for i in range(5)) + b"\r\n",
     431, "headers", "at most 64 lines of 16384 bytes")
ours("more than 64 headers", b"GET /healthz HTTP/1.1\r\n" + H + b"X: a\r\n" * 100 + b"\r\n",
     431, "headers", "101 header lines")
ours("Content-Length and Transfer-Encoding",
     b"POST /v1/ingest HTTP/1.1\r\n" + H + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
     400, "Transfer-Encoding", "both Transfer-Encoding and Content-Length")
ours("Transfer-Encoding gzip", b"POST /v1/ingest HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\nxx",
     501, "Transfer-Encoding", "only chunked")
ours("HTTP/1.1 without Host", b"GET /healthz HTTP/1.1\r\n\r\n", 400, "Host", "needs a Host header")
ours("body over the cap", b"POST /v1/ingest HTTP/1.1\r\n" + H + b"Content-Length: 5000\r\n\r\n" + b"x" * 5000,
     413, "body", "larger than 4096 bytes")
st, hdr, body = parse(send(b"GET /healthz HTTP/1.0\r\n\r\n"))
check(st == 200 and b'"status":"ok"' in body, "HTTP/1.0 without Host is fine (%d)" % st)
# well-formed but unknown things reach the routes
st, hdr, body = parse(send(b"BREW /healthz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n"))
check(st == 401 and hdr.get("content-type") == "application/json", "unknown method: JSON 401 (%d)" % st)
st, hdr, body = parse(send(b"GET /v1/%zz HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n"))
check(st == 401 and b'"error"' in body, "bad percent escape: JSON 401 (%d)" % st)

# ---- theirs: libmicrohttpd 0.9.75 answers before any callback of ours ----
theirs("request line without a version", b"GET /healthz\r\n\r\n", 400, "Request malformed")
theirs("empty target", b"GET  HTTP/1.1\r\n" + H + b"\r\n", 400, "Request malformed")
theirs("HTTP/9.9", b"GET /healthz HTTP/9.9\r\n" + H + b"\r\n", 505, "Requested HTTP version is not supported")
theirs("header line without a colon", b"GET /healthz HTTP/1.1\r\n" + H + b"NoColonHere\r\n\r\n", 400, "Request malformed")
theirs("Content-Length not a number", b"POST /v1/ingest HTTP/1.1\r\n" + H + b"Content-Length: abc\r\n\r\n", 400, "Request malformed")
theirs("bad chunk size", b"POST /v1/ingest HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "Request malformed")
theirs("target over the memory limit", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n" + H + b"\r\n", 414, "Request too big")
theirs("headers over the memory limit", b"GET /healthz HTTP/1.1\r\n" + H + b"X: " + b"a" * 70000 + b"\r\n\r\n", 431, "Request too big")
silent("no spaces in the request line", b"GARBAGE\r\n\r\n")
silent("a TLS ClientHello", b"\x16\x03\x01\x00\x31\x01\x00\x00\x2d\x03\x03" + b"\x00" * 44 + b"\r\n\r\n")
print("%d passed, %d failed" % (passes, fails))
sys.exit(1 if fails else 0)
PY
rc=$?
if [ "$rc" -eq 0 ]; then ok; else bad "raw requests: $(cat "$T/raw.out")"; fi
tail -1 "$T/raw.out"
kill -TERM "$DPID"
wait "$DPID"
same "$?" 0 "daemon exit status after SIGTERM"
DPID=
finish
