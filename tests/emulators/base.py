"""What every PBX emulator has: an HTTP server on 127.0.0.1, the requests it took, faults
and delays on demand, files served at links of their own, the notifications it posted.

A PBX's emulator subclasses :class:`Emulator`, names its API's ``PREFIX`` and answers in
``receive`` (the raw body of a POST under it). It posts to Odoo in ``notify(webhook_base,
path, payload)``, and ``keep_in_stats(notifications)`` puts the call of those notifications
in its statistics (``play`` does both for a whole call).
"""
import collections
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def silent_mp3(seconds=2):
    """A real mp3 a browser plays: silence, MPEG-1 Layer III at 32 kbit/s, 32 kHz, mono.

    Each frame is a header and 140 zero bytes (no audio data): 1152 silent samples.
    """
    frame = b"\xff\xfb\x18\xc0" + bytes(140)
    return frame * -(-seconds * 32000 // 1152)


FAKE_MP3 = silent_mp3()


class Emulator:
    PREFIX = "/"  # where the API is: POSTs under it go to ``receive``

    def __init__(self, host="127.0.0.1", port=0):
        self.requests = []
        self.notified = collections.deque(maxlen=2000)  # (path, payload) posted to Odoo
        self._faults, self._delays, self._files = {}, {}, {}
        self._lock = threading.Lock()
        self._server = _Server((host, port), _handler(self))
        self._thread = None

    @property
    def origin(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self):
        return self.origin + self.PREFIX

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def start_for(self, case):
        """Start, and stop once the test class ``case`` has run (from its ``setUpClass``)."""
        self.start()
        case.addClassCleanup(self.stop)
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- what tests set and read ---------------------------------------------------------

    def fail(self, path, code=None, http_status=None, times=None, body=None):
        """Answer ``path`` ("*" for all) with a result code or an HTTP error, or with
        ``body`` (content type, bytes) as an unexpected answer."""
        self._faults[path] = {"code": code, "http_status": http_status, "times": times,
                              "body": body}

    def delay(self, path, seconds):
        self._delays[path] = seconds

    def requests_to(self, path):
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def clear(self):
        with self._lock:
            self.requests.clear()
            self.notified.clear()

    def reset_faults(self):
        self._faults.clear()
        self._delays.clear()

    def play(self, webhook_base, notifications, pause=0.0):
        """Post a call's notifications; the call goes into the statistics, delivered or not."""
        self.keep_in_stats(notifications)
        responses = []
        for path, payload in notifications:
            responses.append(self.notify(webhook_base, path, payload))
            time.sleep(pause)
        return responses

    # -- for the subclasses --------------------------------------------------------------

    def record(self, path, payload, **extra):
        """Keep a request taken in, then take the time asked (``delay``): a PBX takes a
        request in, then takes its time."""
        with self._lock:
            self.requests.append({"path": path, "payload": payload, "time": time.time(),
                                  **extra})
        time.sleep(self._delays.get(path, self._delays.get("*", 0)))

    def take_fault(self, path):
        """The fault to answer ``path`` with now, or None."""
        for key in (path, "*"):
            fault = self._faults.get(key)
            if fault:
                if fault["times"] is not None:
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        del self._faults[key]
                return fault
        return None

    @staticmethod
    def canned(fault):
        """The answer of a fault that is not the PBX's own error: the body asked, else an
        HTML error page when no code was asked; None for a code."""
        if fault["body"]:
            content_type, body = fault["body"]
            return fault["http_status"] or 200, {"Content-Type": content_type}, body
        if fault["code"] is None:
            return fault["http_status"] or 500, {"Content-Type": "text/html"}, b"<h1>Error</h1>"
        return None

    def serve_file(self, data, seconds=None, once=False):
        """A link to ``data``: it works ``once``, or for ``seconds``, or until the end."""
        token = secrets.token_urlsafe(16)
        expires = time.monotonic() + seconds if seconds is not None else None
        self._files[token] = (data, expires, once)
        return f"{self.origin}/files/{token}"

    def download(self, token):
        data, expires, once = self._files.get(token, (None, None, False))
        if once:
            self._files.pop(token, None)
        if data is None or (expires is not None and time.monotonic() > expires):
            return 404, {"Content-Type": "text/plain"}, b"expired"
        return 200, {"Content-Type": "audio/mpeg"}, data

    def receive(self, path, body):
        """(status, headers, body) for a POST of ``body`` (bytes) to ``PREFIX + path``."""
        raise NotImplementedError

    def answered(self):
        """The request of this thread has its answer (what follows it may be posted)."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up waiting (a timeout test) is not an error here


def json_answer(status, body):
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def _handler(emulator):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            path = urlsplit(self.path).path
            if not path.startswith(emulator.PREFIX):
                return self._send(404, {"Content-Type": "text/plain"}, b"not found")
            length = int(self.headers.get("Content-Length") or 0)
            try:
                self._send(*emulator.receive(path[len(emulator.PREFIX):].strip("/"),
                                             self.rfile.read(length)))
            finally:
                emulator.answered()

        def do_GET(self):  # noqa: N802
            path = urlsplit(self.path).path
            if path.startswith("/files/"):
                return self._send(*emulator.download(path[len("/files/"):]))
            self._send(404, {"Content-Type": "text/plain"}, b"not found")

        def _send(self, status, headers, body):
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler
