"""An HTTP echo server on :8080 for the fuzz benchmark."""
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def accepts(accept, content_type):
    """Whether an Accept header allows the media type: no header, */*, type/* or the type itself (q > 0)."""
    if not accept:
        return True
    media = content_type.split(";")[0].strip().lower()
    for item in accept.split(","):
        rng, *params = [p.strip().lower() for p in item.split(";")]
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in params):
            continue
        if rng in ("*/*", media) or (rng.endswith("/*") and media.startswith(rng[:-1])):
            return True
    return False


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each answer's body waits ~40 ms for the delayed ACK of its headers

    def log_message(self, *_):
        pass

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.answer(200 if self.path == "/ping" else 404, b"", "text/plain")

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                body += self.rfile.read(size)
                self.rfile.readline()
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type") or "application/octet-stream"
        if not accepts(self.headers.get("Accept"), content_type):
            return self.answer(406, b"", "text/plain")
        self.answer(200, body, content_type)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer(("0.0.0.0", 8080), Echo)
    server.daemon_threads = True
    print("listening on 0.0.0.0:8080", flush=True)
    server.serve_forever()
