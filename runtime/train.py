#!/usr/bin/env python3
"""The AOT cache's training run: the jdk25-aot package's own JVM serves one invocation, and writes the cache at exit.

    runtime/train.py PACKAGE EVENT

Run by the Makefile (package-jdk25-aot) in PACKAGE, which holds jdk/, launch.args and the function. The function
starts as on Lambda, under the real runtime interface client, and sends EVENT's message as a cold start does, but
every peer is this script, on 127.0.0.1:

  * Lambda's Runtime API, handing out EVENT;
  * Secrets Manager, answering the signed GetSecretValue with the stand-in credentials training/training;
  * the relay: an SMTP server that offers PIPELINING and STARTTLS, takes any AUTH, and accepts the message, with a
    key and certificate made for this run only (openssl) that only the training JVM trusts (a trust store of its
    own, made with the bundled keytool), then deleted.

So the cache holds the classes, and JDK 25's profiles, of what a cold start runs: the runtime client's start and
invocation loop, the handler's start (configuration, wiring, the priming of Startup), the signed secret read, the TLS
handshake, STARTTLS, AUTH, the pipelined envelope, the composed message. It cannot hold the relay's or Lambda's keys
or the real secret: the build never sees them. Of the objects the training run makes, the cache keeps only the few
kinds the JDK archives (class mirrors, the classes' constant strings, its own resolved call sites), not the
application's heap; and the training's key and credentials are throwaway.
"""
import base64
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runtime_api import RuntimeApi  # noqa: E402

CACHE = "relaymail.aot"
HANDLER = "dev.relaymail.MailHandler::handleRequest"
PASSWORD = "training"


def secret(handler, body):
    """Secrets Manager's answer to GetSecretValue, with stand-in credentials."""
    value = json.dumps({"username": "training", "password": PASSWORD})
    answer = json.dumps({"ARN": "arn:aws:secretsmanager:eu-central-1:123456789012:secret:training-AbCdEf",
                         "Name": "training", "SecretString": value, "VersionId": "training",
                         "VersionStages": ["AWSCURRENT"], "CreatedDate": 0}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/x-amz-json-1.1")
    handler.send_header("Content-Length", str(len(answer)))
    handler.end_headers()
    handler.wfile.write(answer)


class Relay:
    """An SMTP relay for one session at a time: STARTTLS, then AUTH PLAIN or LOGIN, then messages, as Postfix would."""

    def __init__(self, context):
        self.context = context
        self.server = socket.create_server(("127.0.0.1", 0))
        self.accepted = 0
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def port(self):
        return self.server.getsockname()[1]

    def serve(self):
        while True:
            connection, _ = self.server.accept()
            threading.Thread(target=self.session, args=(connection,), daemon=True).start()

    def session(self, connection):
        try:
            self.converse(connection)
        except (OSError, ssl.SSLError):
            pass  # the function hangs up when it is ended
        finally:
            connection.close()

    def converse(self, connection):
        stream = connection.makefile("rwb")
        tls = False

        def reply(*lines):
            stream.write("".join(f"{line}\r\n" for line in lines).encode())
            stream.flush()

        reply("220 training ESMTP")
        while True:
            line = stream.readline()
            if not line:
                return
            command = line.decode().strip()
            verb = command.split(" ")[0].upper()
            if verb == "EHLO":
                reply("250-training", "250-PIPELINING", "250-8BITMIME",
                      "250 AUTH PLAIN LOGIN" if tls else "250 STARTTLS")
            elif verb == "STARTTLS" and not tls:
                reply("220 ready to start TLS")
                connection = self.context.wrap_socket(connection, server_side=True)
                stream = connection.makefile("rwb")
                tls = True
            elif verb == "AUTH" and tls:
                if command.upper().startswith("AUTH LOGIN"):
                    reply("334 " + base64.b64encode(b"Username:").decode())
                    stream.readline()
                    reply("334 " + base64.b64encode(b"Password:").decode())
                    stream.readline()
                elif command.count(" ") == 1:
                    reply("334 ")
                    stream.readline()
                reply("235 2.7.0 accepted")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP") and tls:
                reply("250 2.0.0 ok")
            elif verb == "DATA" and tls:
                reply("354 end with <CRLF>.<CRLF>")
                while stream.readline() not in (b".\r\n", b""):
                    pass
                self.accepted += 1
                reply("250 2.0.0 queued")
            elif verb == "QUIT":
                reply("221 2.0.0 bye")
                return
            else:
                reply("530 5.7.0 must issue STARTTLS first" if not tls else "502 5.5.2 not here")


def throwaway_tls(package, directory):
    """A key and certificate for localhost made for this run, and a trust store that holds the certificate only."""
    key, certificate, store = (os.path.join(directory, name) for name in ("key.pem", "cert.pem", "trust.p12"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", certificate],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run([os.path.join(package, "jdk", "bin", "keytool"), "-importcert", "-noprompt", "-alias", "relay",
                    "-file", certificate, "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    return context, store


def main():
    package, event_file = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as directory:
        context, trust_store = throwaway_tls(package, directory)
        relay = Relay(context)
        with open(event_file, "rb") as f:
            api = RuntimeApi(f.read(), other_post=secret).start()
        env = {
            "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": "UTC",
            "AWS_LAMBDA_RUNTIME_API": api.address, "LAMBDA_TASK_ROOT": os.path.abspath(package), "_HANDLER": HANDLER,
            "AWS_LAMBDA_FUNCTION_NAME": "relaymail-training", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
            "AWS_REGION": "eu-central-1", "AWS_ACCESS_KEY_ID": "training", "AWS_SECRET_ACCESS_KEY": PASSWORD,
            "AWS_SESSION_TOKEN": "training", "AWS_ENDPOINT_URL": "http://" + api.address,
            "SMTP_HOST": f"localhost:{relay.port}", "SMTP_SECRET_ID": "training", "ALLOWED_FROM": "@example.com",
        }
        command = ["jdk/bin/java", "-XX:AOTCacheOutput=" + CACHE, "-XX:+UseSerialGC",
                   "-Djavax.net.ssl.trustStore=" + trust_store, "-Djavax.net.ssl.trustStorePassword=" + PASSWORD,
                   "@launch.args", HANDLER]
        process = subprocess.Popen(command, cwd=package, env=env, stdout=subprocess.DEVNULL)
        try:
            if not api.answered.wait(60):
                raise SystemExit("the training run did not answer within 60 s")
        finally:
            # the JVM writes the cache as it exits
            process.send_signal(signal.SIGTERM)
            process.wait()
            api.shutdown()
    path, answer = api.answer
    if "/response" not in path or json.loads(answer).get("statusCode") != 202 or relay.accepted != 1:
        raise SystemExit(f"the training run did not send as a cold start does: {path} {answer[:500]}")
    if not os.path.isfile(os.path.join(package, CACHE)):
        raise SystemExit("the training run wrote no AOT cache")


if __name__ == "__main__":
    main()
