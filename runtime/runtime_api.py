"""Lambda's Runtime API for one invocation, served on 127.0.0.1: hands out the event, notes when the answer arrives.

Used by runtime/train.py (the AOT cache's training run) and bench/run.py (cold starts), each starting the function
under the real runtime interface client with AWS_LAMBDA_RUNTIME_API pointed here.
"""
import http.server
import sys
import threading
import time


class RuntimeApi(http.server.ThreadingHTTPServer):
    """Serves one invocation of `event`; a second `next` waits, as Lambda would freeze the process there."""
    daemon_threads = True

    def __init__(self, event, other_post=None):
        """`other_post(handler, body)`, when given, answers POSTs that are not the Runtime API's."""
        super().__init__(("127.0.0.1", 0), RuntimeApiHandler)
        self.event = event
        self.other_post = other_post
        self.answered = threading.Event()
        self.answered_at = None
        self.answer = None
        self.served = False

    def handle_error(self, request, client_address):
        """The function's process is ended once it has answered, and its connection to this API goes with it."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def address(self):
        return f"127.0.0.1:{self.server_address[1]}"

    def start(self):
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self


class RuntimeApiHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.endswith("/runtime/invocation/next"):
            self.send_error(404)
            return
        if self.server.served:
            self.server.answered.wait()
            time.sleep(3600)  # Lambda would freeze the process here
        self.server.served = True
        self.send_event(self.server.event, "request-1", 25_000, "relaymail")

    def send_event(self, body, request_id, timeout_ms, function):
        """Answers `GET .../invocation/next` with the event `body`, as Lambda does: its request id, deadline, ARN."""
        self.send_response(200)
        self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + timeout_ms))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                         "arn:aws:lambda:eu-central-1:123456789012:function:" + function)
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def accept(self):
        """Answers a POST of a response or an error with 202, as the Runtime API does."""
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self.path.startswith("/2018-06-01/runtime/") and self.server.other_post:
            self.server.other_post(self, body)
            return
        self.accept()
        if "/response" in self.path or "/error" in self.path:
            self.server.answered_at = time.perf_counter()
            self.server.answer = (self.path, body.decode("utf-8", "replace"))
            self.server.answered.set()
