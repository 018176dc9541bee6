#!/usr/bin/env python3
"""How long one message takes the private Postfix across the delay proxy, sent three ways: the measurement behind
the size up to which PipeliningTransport sends a message in one flight (docs/delivery.md, "How a message is sent").

    bench/flight.py [--rounds N]

Starts the relay (bench/relay: root) and the proxy of bench/run.py (10 ms a round trip), logs in over STARTTLS on one
connection with TCP_NODELAY (as the function's sockets are), then times each way of sending, interleaved round by
round, for messages of several sizes to one and to two recipients:

  * one flight: MAIL FROM, every RCPT TO, BDAT <size> LAST and the content in one write, then every reply;
  * envelope first: MAIL FROM and every RCPT TO in one write and their replies, then BDAT and the content;
  * pipelined DATA: MAIL FROM, every RCPT TO and DATA in one write and their replies, then the content and the end of
    data (what the function did before CHUNKING, and what Nodemailer does).

Prints the median milliseconds of each, with the flight's size in bytes (envelope, BDAT line and content).
"""
import argparse
import base64
import os
import socket
import ssl
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (bench/run.py: the relay and the proxy)

SIZES = (2000, 4000, 4200, 8000, 32000)


class Connection:
    """One logged-in SMTP connection; replies are read whole, continuation lines included."""

    def __init__(self, relay):
        plain = socket.create_connection(("127.0.0.1", int(relay["BENCH_RELAY_PORT"])))
        plain.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.input = plain, plain.makefile("rb")
        self.expect("220")
        self.command(b"EHLO flight.example", "250")
        self.command(b"STARTTLS", "220")
        context = ssl.create_default_context(cafile=relay["BENCH_RELAY_CA"])
        self.sock = context.wrap_socket(plain, server_hostname="localhost")
        self.input = self.sock.makefile("rb")
        self.command(b"EHLO flight.example", "250")
        login = f"\0{relay['BENCH_RELAY_USER']}\0{relay['BENCH_RELAY_PASSWORD']}".encode()
        self.command(b"AUTH PLAIN " + base64.b64encode(login), "235")

    def expect(self, code, count=1):
        for _ in range(count):
            while True:
                line = self.input.readline()
                if not line.startswith(code.encode()):
                    raise SystemExit(f"expected {code}, got {line!r}")
                if line[3:4] != b"-":
                    break

    def command(self, line, code):
        self.sock.sendall(line + b"\r\n")
        self.expect(code)


def one_flight(c, envelope, recipients, content):
    c.sock.sendall(envelope + b"BDAT %d LAST\r\n" % len(content) + content)
    c.expect("250", recipients + 2)


def envelope_first(c, envelope, recipients, content):
    c.sock.sendall(envelope)
    c.expect("250", recipients + 1)
    c.sock.sendall(b"BDAT %d LAST\r\n" % len(content) + content)
    c.expect("250")


def pipelined_data(c, envelope, recipients, content):
    c.sock.sendall(envelope + b"DATA\r\n")
    c.expect("250", recipients + 1)
    c.expect("354")
    c.sock.sendall(content + b".\r\n")
    c.expect("250")


def message(flight, recipients):
    """The envelope and a content of 78-byte lines that make a one-flight write of about `flight` bytes."""
    envelope = b"MAIL FROM:<billing@bench.example>\r\n" + b"".join(
        b"RCPT TO:<r%d@bench.example>\r\n" % i for i in range(recipients))
    head = b"From: billing@bench.example\r\nSubject: flight\r\n\r\n"
    body = flight - len(envelope) - len(b"BDAT %d LAST\r\n" % flight) - len(head)
    return envelope, head + (b"x" * 76 + b"\r\n") * (body // 78)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    relay = run.start_relay()
    proxy, far = run.delay_proxy(relay)
    try:
        c = Connection(far)
        with open("/proc/loadavg") as f:
            print(f"Machine: {run.machine()}; load average before: {' '.join(f.read().split()[:3])}")
        print(f"\nOne message across the delay proxy ({2 * run.NETWORK_DELAY_MS} ms a round trip) to the private "
              f"Postfix, median ms of {args.rounds} interleaved rounds:\n")
        ways = (one_flight, envelope_first, pipelined_data)
        print("| recipients | flight (bytes) | " + " | ".join(w.__name__.replace("_", " ") for w in ways) + " |")
        print("| ---: | ---: |" + " ---: |" * len(ways))
        for recipients in (1, 2):
            for flight in SIZES:
                envelope, content = message(flight, recipients)
                times = {w: [] for w in ways}
                for _ in range(args.rounds):
                    for way in ways:
                        start = time.perf_counter()
                        way(c, envelope, recipients, content)
                        times[way].append(1000 * (time.perf_counter() - start))
                size = len(envelope) + len(b"BDAT %d LAST\r\n" % len(content)) + len(content)
                print(f"| {recipients} | {size} | "
                      + " | ".join(f"{statistics.median(times[w]):.1f}" for w in ways) + " |")
        c.command(b"QUIT", "221")
    finally:
        proxy.terminate()
        run.sh([os.path.join(run.BENCH, "relay", "stop")], env=dict(os.environ, BENCH_WORK=run.RELAY_WORK))


if __name__ == "__main__":
    main()
