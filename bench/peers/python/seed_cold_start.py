#!/usr/bin/env python3
"""The same function written the seed's way: one message, cold, in one process.

    seed_cold_start.py

What a minimal Python Lambda does for one message, as a plain script: import boto3,
read the relay credentials from Secrets Manager (SecretString {"username", "password"}),
build the benchmark message (bench/message/) with the `email` package, smtplib connect,
STARTTLS (certificate and host name verified against BENCH_RELAY_CA), AUTH,
send_message, quit.

Env: AWS_ENDPOINT_URL (e.g. a moto_server), AWS_REGION, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, SMTP_SECRET_ID, BENCH_RELAY_HOST (default localhost),
BENCH_RELAY_PORT (default 2587), BENCH_RELAY_CA,
BENCH_MESSAGE_DIR (default bench/message beside this folder).

Prints one JSON line on stdout: {"peer": "python-seed", "seconds_in_process": s}, where s runs
from the first line of this script (before the imports) to the relay's reply to the message.
"""
import time

T0 = time.perf_counter()

import json
import os
import smtplib
import ssl
import email.message  # noqa: F401  (the seed's imports: building a message needs the email package)

import boto3

import benchmessage



def relay_credentials():
    client = boto3.client(
        "secretsmanager",
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
        region_name=os.environ["AWS_REGION"],
    )
    secret = json.loads(client.get_secret_value(SecretId=os.environ["SMTP_SECRET_ID"])["SecretString"])
    return secret["username"], secret["password"]


def build_message():
    return benchmessage.build(*benchmessage.load_parts())


def main():
    username, password = relay_credentials()
    msg = build_message()
    context = ssl.create_default_context(cafile=os.environ["BENCH_RELAY_CA"])
    host = os.environ.get("BENCH_RELAY_HOST") or "localhost"
    port = int(os.environ.get("BENCH_RELAY_PORT") or "2587")
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.starttls(context=context)
        smtp.login(username, password)
        smtp.send_message(msg)
        seconds = time.perf_counter() - T0  # the relay has accepted the message
    print(json.dumps({"peer": "python-seed", "seconds_in_process": round(seconds, 6)}))


if __name__ == "__main__":
    main()
