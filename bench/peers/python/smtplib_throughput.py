#!/usr/bin/env python3
"""Python smtplib + email, the classic tutorial: one connection, COUNT messages.

    smtplib_throughput.py COUNT [--nodelay]

Builds the benchmark message (bench/message/) with the `email` package, opens one
smtplib.SMTP connection, STARTTLS (certificate and host name verified against
BENCH_RELAY_CA), AUTH, then send_message COUNT times, building a fresh message
(new Message-ID) for every send, as a tutorial loop would. Only the sending loop
is timed. TCP_NODELAY is left off (the seed's way) unless --nodelay is given.

Env: BENCH_RELAY_HOST (default localhost), BENCH_RELAY_PORT (default 2587),
BENCH_RELAY_USER, BENCH_RELAY_PASSWORD, BENCH_RELAY_CA,
BENCH_MESSAGE_DIR (default bench/message beside this folder).

Prints one JSON line on stdout:
  {"peer": "python-smtplib", "nodelay": bool, "messages": N, "seconds": s, "per_second": x,
   "cpu_seconds": this process's CPU time in the timed part, "machine_cpu_seconds": all cores' busy time in it}
"""
import argparse
import json
import os
import smtplib
import socket
import ssl
import sys
import time

import benchmessage



def machine_cpu_seconds():
    """Busy time of all cores, from /proc/stat (USER_HZ: 100 a second): the cpu line but idle and iowait."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / 100


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None or value == "":
        sys.exit(f"smtplib_throughput: environment variable {name} is required")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, metavar="COUNT")
    parser.add_argument("--nodelay", action="store_true", help="set TCP_NODELAY after connect")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("COUNT must be at least 1")

    host = env("BENCH_RELAY_HOST", "localhost")
    port = int(env("BENCH_RELAY_PORT", "2587"))
    user = env("BENCH_RELAY_USER")
    password = env("BENCH_RELAY_PASSWORD")
    cafile = env("BENCH_RELAY_CA")

    spec, text, html, pdf = benchmessage.load_parts()
    context = ssl.create_default_context(cafile=cafile)  # verifies chain and host name

    smtp = smtplib.SMTP(host, port, timeout=30)
    try:
        if args.nodelay:
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        smtp.ehlo()
        smtp.starttls(context=context)
        smtp.ehlo()
        smtp.login(user, password)

        cpu_start, machine_start = time.process_time(), machine_cpu_seconds()
        start = time.perf_counter()
        for _ in range(args.count):
            smtp.send_message(benchmessage.build(spec, text, html, pdf))
        seconds = time.perf_counter() - start
        cpu, machine = time.process_time() - cpu_start, machine_cpu_seconds() - machine_start
    finally:
        try:
            smtp.quit()
        except smtplib.SMTPException:
            smtp.close()

    print(json.dumps({
        "peer": "python-smtplib",
        "nodelay": args.nodelay,
        "messages": args.count,
        "seconds": round(seconds, 6),
        "per_second": round(args.count / seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "machine_cpu_seconds": round(machine, 3),
    }))


if __name__ == "__main__":
    main()
