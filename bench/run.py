#!/usr/bin/env python3
"""The benchmark, side by side with the peers: one command, one table.

Starts the private Postfix relay (STARTTLS and AUTH, bench/relay) and moto_server (for the secret), builds the
function and the peers, then measures on the one benchmark message (bench/message):

  * warm throughput: messages per second through MailHandler on SQS batches of 10, against plain Angus Mail,
    Python smtplib (the classic tutorial) and Nodemailer (one connection, and a pool of 5);
  * cold start: from process start until the relay has accepted the first message, the function run by Lambda's
    runtime interface client against a local Runtime API (this script), secret fetch, TLS and AUTH included,
    against the same function written the seed's way in Python (smtplib + email + boto3); the package of
    Runtime=jdk25-aot too, started by its bootstrap (its own JDK 25 and AOT cache);
  * CPU per message as Lambda runs it: the java21 package under the runtime interface client, served SQS events of
    50 records by a local Runtime API, in a fresh container: its process's user + system time over the first 3,000
    messages and over messages 6,001 to 9,000 (once compiled), against Nodemailer's function (a pool of 5) run the
    same way by AWS's runtime interface client for Node.js (npm's aws-lambda-ric);
  * peak RSS of each sender, the CPU time each sender spends per message in its timed part (all its threads), and
    what the rest of the machine spends meanwhile (on a quiet machine: the relay), and the size of the function's
    package.

Each figure is the median of several runs, taken round-robin (one run of every sender per round). Results go to
standard output and to bench/results.md.

    bench/run [--quick]
    bench/run --across-network [--quick]   # only the across-a-network table, printed; results.md stays as it is
    bench/run --lambda-cpu [--quick]       # only the table of CPU per message as Lambda runs it, printed
"""
import argparse
import fcntl
import hashlib
import json
import os
import platform
import queue
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, "runtime"))
# Lambda's Runtime API, also the AOT cache's training run's
from runtime_api import RuntimeApi, RuntimeApiHandler  # noqa: E402
WORK = os.path.join(BENCH, ".work")
# The relay keeps its queue on tmpfs, so that its disk is not what the benchmark measures.
RELAY_WORK = os.environ.get("BENCH_WORK") or "/dev/shm/relaymail-bench"
MOTO_PORT = 5199
IDEMPOTENCY_TABLE = "bench-idempotency"
# the relay "across a network": a proxy in front of it delays each direction by this much (a 10 ms round trip, as
# to a relay in another network of the same region); the machine has no netem
NETWORK_DELAY_MS = 5
PROXY_PORT = 2589
PYTHON = os.path.realpath(shutil.which("python3"))
# the JVM options template.yaml gives each function
API_JAVA_OPTIONS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"
QUEUE_JAVA_OPTIONS = "-XX:+UseSerialGC"
# the heap Lambda gives a 1024 MB function
LAMBDA_HEAP = "-XX:MaxHeapSize=870m"
HANDLER = "dev.relaymail.MailHandler::handleRequest"
# Nodemailer's function's runtime: AWS's runtime interface client for Node.js (npm's aws-lambda-ric, which asks for
# Node.js 22 but runs on this machine's 20), started as its README starts it in a container: the handler its argument
NODE_RIC = os.path.join(BENCH, "peers", "node", "node_modules", "aws-lambda-ric")


def log(message):
    print(message, file=sys.stderr, flush=True)


def sh(command, cwd=ROOT, env=None, quiet=True):
    result = subprocess.run(command, cwd=cwd, env=env, shell=isinstance(command, str),
                            stdout=subprocess.PIPE if quiet else None, stderr=subprocess.STDOUT if quiet else None,
                            text=True)
    if result.returncode != 0:
        if quiet:
            sys.stderr.write(result.stdout or "")
        raise SystemExit(f"failed: {command}")
    return result.stdout


def measure(command, env, cwd=ROOT):
    """Runs a process; returns (stdout, stderr, wall seconds)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate()
    wall = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{err[-3000:]}")
    return out, err, wall


def peak_rss(command, env, cwd=ROOT):
    """Runs a process with GNU time to read its peak resident set (KB); returns (stdout, stderr, peak)."""
    timed = ["/usr/bin/time", "-f", "PEAK_RSS_KB=%M"] + command
    out, err, _ = measure(timed, env, cwd)
    match = re.search(r"PEAK_RSS_KB=(\d+)", err)
    return out, err, int(match.group(1)) if match else None


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise SystemExit(f"no JSON result in:\n{text[-2000:]}")


# --- setup --------------------------------------------------------------------------------------------------------

def only_run_here():
    """Refuses to start beside another bench/run on this machine, from any clone: they would share the relay's port
    and work directory and moto_server's port, and the second one's relay would restart the first one's with another
    CA. Returns the lock, held until the process ends; runs from before the lock are seen by their ports."""
    lock = open("/tmp/relaymail-bench.lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit("another bench/run is running on this machine (it holds /tmp/relaymail-bench.lock)")
    for port in (int(os.environ.get("BENCH_RELAY_PORT") or 2587), MOTO_PORT):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise SystemExit(f"127.0.0.1:{port} is in use: another bench/run (the relay or moto_server)?")
    return lock


def build():
    log("building the function, its package and the benchmark's Java side")
    sh(["mvn", "-q", "-B", "install", "-DskipTests"])
    # clean: the benchmark must compile against the function as it is now, not against what an earlier build saw
    sh(["mvn", "-q", "-B", "clean", "compile", "dependency:build-classpath", "-Dmdep.outputFile=target/cp.txt"],
       cwd=os.path.join(BENCH, "java"))
    shutil.rmtree(os.path.join(WORK, "function"), ignore_errors=True)
    shutil.rmtree(os.path.join(WORK, "runtime"), ignore_errors=True)
    shutil.rmtree(os.path.join(WORK, "jdk25-aot"), ignore_errors=True)
    sh(["make", "package", "ARTIFACTS_DIR=" + os.path.join(WORK, "function")])
    sh(["make", "package-jdk25-aot", "ARTIFACTS_DIR=" + os.path.join(WORK, "jdk25-aot")])
    sh(["mvn", "-q", "-B", "dependency:copy-dependencies", "-DoutputDirectory=" + os.path.join(WORK, "runtime")],
       cwd=os.path.join(ROOT, "runtime"))
    # aws-lambda-ric builds its native client (and the curl it links) when installed: some minutes, once
    if not os.path.isfile(os.path.join(NODE_RIC, "rapid-client.node")):
        sh(["npm", "ci", "--silent"], cwd=os.path.join(BENCH, "peers", "node"))


def start_relay():
    log("starting the relay (private Postfix, STARTTLS and AUTH required)")
    env = dict(os.environ, BENCH_WORK=RELAY_WORK)
    sh([os.path.join(BENCH, "relay", "start")], env=env)
    settings = {}
    with open(os.path.join(RELAY_WORK, "relay", "relay.env")) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            if name:
                settings[name] = value
    return settings


def start_moto(relay):
    log("starting moto_server with the relay's secret")
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(MOTO_PORT)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    aws = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="eu-central-1", AWS_REGION="eu-central-1")
    endpoint = f"http://127.0.0.1:{MOTO_PORT}"
    for _ in range(100):
        if subprocess.run(["aws", "--endpoint-url", endpoint, "secretsmanager", "list-secrets"], env=aws,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            break
        time.sleep(0.2)
    secret = json.dumps({"username": relay["BENCH_RELAY_USER"], "password": relay["BENCH_RELAY_PASSWORD"]})
    subprocess.run(["aws", "--endpoint-url", endpoint, "secretsmanager", "create-secret", "--name", "bench/smtp",
                    "--secret-string", secret], env=aws, stdout=subprocess.DEVNULL, check=True)
    subprocess.run(["aws", "--endpoint-url", endpoint, "dynamodb", "create-table", "--table-name", IDEMPOTENCY_TABLE,
                    "--attribute-definitions", "AttributeName=id,AttributeType=S",
                    "--key-schema", "AttributeName=id,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST"],
                   env=aws, stdout=subprocess.DEVNULL, check=True)
    return moto


def function_env(relay, java_options, connections=None):
    """The function's settings, as template.yaml gives them, pointed at the local relay and moto_server."""
    env = dict(os.environ,
               SMTP_HOST=relay["BENCH_RELAY_HOST"], SMTP_PORT=relay["BENCH_RELAY_PORT"], SMTP_SECRET_ID="bench/smtp",
               ALLOWED_FROM="@bench.example", LOG_LEVEL="INFO",
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing",
               AWS_REGION="eu-central-1", AWS_ENDPOINT_URL=f"http://127.0.0.1:{MOTO_PORT}",
               JAVA_TOOL_OPTIONS=java_options + " -Djavax.net.ssl.trustStore="
               + relay["BENCH_RELAY_TRUSTSTORE"] + " -Djavax.net.ssl.trustStorePassword=changeit")
    if connections is not None:
        env["SMTP_CONNECTIONS"] = str(connections)
    return env


# --- warm throughput ----------------------------------------------------------------------------------------------

def java_classpath():
    with open(os.path.join(BENCH, "java", "target", "cp.txt")) as f:
        return os.path.join(BENCH, "java", "target", "classes") + ":" + f.read().strip()


def relaymail_throughput(relay, count, connections, warmup):
    command = ["java", LAMBDA_HEAP, f"-Dbench.warmup={warmup}", "-Dbench.message=" + os.path.join(BENCH, "message"), "-cp",
               java_classpath(), "dev.relaymail.bench.HandlerThroughput", str(count)]
    out, err, rss = peak_rss(command, function_env(relay, QUEUE_JAVA_OPTIONS, connections))
    return rate_and_cpu(last_json(err), rss)


def java_peer_throughput(relay, main_class, count):
    """A Java sender of bench/java that reads the relay from the environment (plain Angus Mail, the ceiling)."""
    env = dict(os.environ, **relay, JAVA_TOOL_OPTIONS=QUEUE_JAVA_OPTIONS + " -Djavax.net.ssl.trustStore="
               + relay["BENCH_RELAY_TRUSTSTORE"] + " -Djavax.net.ssl.trustStorePassword=changeit")
    command = ["java", LAMBDA_HEAP, "-Dbench.message=" + os.path.join(BENCH, "message"), "-cp", java_classpath(),
               "dev.relaymail.bench." + main_class, str(count)]
    out, err, rss = peak_rss(command, env)
    return rate_and_cpu(last_json(out), rss)


def smtplib_throughput(relay, count, nodelay=False):
    command = [PYTHON, os.path.join(BENCH, "peers", "python", "smtplib_throughput.py"), str(count)]
    if nodelay:
        command.append("--nodelay")
    out, err, rss = peak_rss(command, dict(os.environ, **relay))
    return rate_and_cpu(last_json(out), rss)


def nodemailer_throughput(relay, count, connections, warmup):
    command = ["node", "throughput.js", str(count), str(connections)]
    out, err, rss = peak_rss(command, dict(os.environ, **relay, BENCH_WARMUP=str(warmup)),
                             cwd=os.path.join(BENCH, "peers", "node"))
    return rate_and_cpu(last_json(out), rss)


def rate_and_cpu(result, rss):
    """Messages/s, peak RSS, and the CPU ms per message of the sender and of the rest of the machine (the relay)."""
    own = result["cpu_seconds"]
    return (result["per_second"], rss, 1000 * own / result["messages"],
            1000 * (result["machine_cpu_seconds"] - own) / result["messages"])


def delay_proxy(relay):
    """Starts bench/relay/delay_proxy.py in front of the relay; returns it and the relay's settings through it."""
    proxy = subprocess.Popen([PYTHON, os.path.join(BENCH, "relay", "delay_proxy.py"), str(PROXY_PORT),
                              relay["BENCH_RELAY_PORT"], str(NETWORK_DELAY_MS)], stdout=subprocess.PIPE, text=True)
    if proxy.stdout.readline().strip() != "ready":
        raise SystemExit("the delay proxy did not start")
    return proxy, dict(relay, BENCH_RELAY_PORT=str(PROXY_PORT))


def across_network(relay, runs, senders, messages):
    """The senders, each given the relay's settings through the delay proxy, interleaved; each run's figures end with
    the proxy's own CPU per message, over the whole run (warm-up included: the proxy cannot tell the two apart), so
    that it can be told from the relay's in the rest of the machine's."""
    log(f"warm throughput across a network (the relay {2 * NETWORK_DELAY_MS} ms away)")
    proxy, far = delay_proxy(relay)

    def with_proxy_cpu(fn):
        before = process_cpu_seconds(proxy.pid)
        result = fn(far)
        return result + (1000 * (process_cpu_seconds(proxy.pid) - before) / messages,)

    try:
        return interleaved(runs, {name: (lambda fn=fn: with_proxy_cpu(fn)) for name, fn in senders.items()})
    finally:
        proxy.terminate()


def across_network_senders(count, warmup):
    """The four rows across a network: each sender's one connection and its default (relaymail) or pool of 5."""
    return {
        "relaymail, 1 connection": lambda far: relaymail_throughput(far, count, 1, warmup),
        "relaymail, default connections": lambda far: relaymail_throughput(far, count, None, warmup),
        "Nodemailer, 1 connection": lambda far: nodemailer_throughput(far, count, 1, warmup),
        "Nodemailer, pool of 5": lambda far: nodemailer_throughput(far, count, 5, warmup),
    }


def process_cpu_seconds(pid):
    """A running process's user + system time so far, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- cold start ---------------------------------------------------------------------------------------------------

def api_event():
    """The REST API sample event carrying the benchmark message."""
    with open(os.path.join(ROOT, "events", "api-rest-invoice.json"), encoding="utf-8") as f:
        event = json.load(f)
    out = subprocess.run(["java", "-cp", java_classpath(), "-Dbench.message=" + os.path.join(BENCH, "message"),
                          "dev.relaymail.bench.BenchRequest"], stdout=subprocess.PIPE, text=True, check=True).stdout
    event["body"] = out.strip()
    event["headers"].pop("Idempotency-Key", None)
    event["multiValueHeaders"].pop("Idempotency-Key", None)
    return json.dumps(event).encode("utf-8")


def keyed_cold_start(relay, event):
    """The same with an Idempotency-Key, new each time, and the idempotency table template.yaml deploys: the key is
    claimed in DynamoDB before the send and the answer stored after it."""
    keyed = json.loads(event)
    key = "bench-" + uuid.uuid4().hex
    keyed["headers"]["Idempotency-Key"] = key
    keyed["multiValueHeaders"]["Idempotency-Key"] = [key]
    return relaymail_cold_start(relay, json.dumps(keyed).encode("utf-8"), IDEMPOTENCY_TABLE=IDEMPOTENCY_TABLE)


def relaymail_cold_start(relay, event, **settings):
    """Process start until the relay accepted the first message, through Lambda's runtime interface client: the
    package java21 runs, started as Lambda's Java runtime starts it, by the machine's java."""
    return cold_start(java_runtime_command(), os.path.join(WORK, "function"), relay, event, **settings)


def java_runtime_command():
    """Lambda's Java runtime: the runtime interface client, which loads the handler from the task root."""
    return ["java", LAMBDA_HEAP, "-Xshare:auto", "-cp", os.path.join(WORK, "runtime", "*"),
            "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", HANDLER]


def lambda_settings(api, task_root, handler, name="relaymail"):
    """What Lambda's environment tells a runtime: where the Runtime API is, the task root and handler, the function."""
    return dict(AWS_LAMBDA_RUNTIME_API=api.address, LAMBDA_TASK_ROOT=task_root, _HANDLER=handler,
                AWS_LAMBDA_FUNCTION_NAME=name, AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
                AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/" + name,
                AWS_LAMBDA_LOG_STREAM_NAME="bench")


def jdk25_aot_cold_start(relay, event):
    """The same with the self-contained package (template.yaml's Runtime=jdk25-aot), started by its bootstrap: the
    bundled JDK 25 and its AOT cache."""
    package = os.path.join(WORK, "jdk25-aot")
    return cold_start([os.path.join(package, "bootstrap")], package, relay, event)


def cold_start(command, task_root, relay, event, **settings):
    api = RuntimeApi(event).start()
    env = function_env(relay, API_JAVA_OPTIONS)
    env.update(settings)
    env.update(lambda_settings(api, task_root, HANDLER))
    start = time.perf_counter()
    # like Lambda, the task root is the working directory (the runtime client loads the handler from there)
    process = subprocess.Popen(command, env=env, cwd=task_root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if not api.answered.wait(60):
            raise SystemExit("the function did not answer within 60 s:\n" + process.stderr.read(4000).decode())
    finally:
        process.kill()
        process.wait()
        api.shutdown()
    path, answer = api.answer
    if "/error" in path or json.loads(answer).get("statusCode") != 202:
        raise SystemExit(f"cold start did not send: {path} {answer[:500]}")
    return api.answered_at - start


def secret_only_cold_start(relay, *how):
    """The floor under the function's cold start: a JVM on the function's package that only reads the secret, as the
    function does on Lambda or, given "sdk", with the AWS SDK's client."""
    function = os.path.join(WORK, "function")
    classpath = ":".join([function, os.path.join(function, "lib", "*"), os.path.join(BENCH, "java", "target", "classes")])
    _, _, wall = measure(["java", LAMBDA_HEAP, "-Xshare:auto", "-cp", classpath, "dev.relaymail.bench.SecretOnly",
                          *how], function_env(relay, API_JAVA_OPTIONS))
    return wall


def python_seed_cold_start(relay):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="eu-central-1",
               AWS_ENDPOINT_URL=f"http://127.0.0.1:{MOTO_PORT}", SMTP_SECRET_ID="bench/smtp", **{
                   k: v for k, v in relay.items() if k in ("BENCH_RELAY_HOST", "BENCH_RELAY_PORT", "BENCH_RELAY_CA")})
    _, _, wall = measure([PYTHON, os.path.join(BENCH, "peers", "python", "seed_cold_start.py")], env)
    return wall


# --- CPU per message as Lambda runs it ----------------------------------------------------------------------------

# records in each SQS event of this table (the measurement used 50; template.yaml's queue function gets 10)
LAMBDA_BATCH = 50
# messages a fresh container sends before its CPU is read "once compiled", and in each of the two measured windows
LAMBDA_WINDOW = 3000
LAMBDA_WARM_UP = 6000


class InvocationQueue(RuntimeApi):
    """runtime_api.py's Runtime API for many invocations, one at a time: `invoke` hands an event to the function's
    next `GET .../invocation/next` and waits for its answer; `waiting` is set while the runtime waits for an event,
    that is between two invocations, when its process has done all the work of the last one."""

    def __init__(self):
        super().__init__(b"")
        self.RequestHandlerClass = InvocationQueueHandler
        self.events = queue.Queue()
        self.answers = queue.Queue()
        self.waiting = threading.Event()
        self.invocations = 0

    def invoke(self, event, timeout=60):
        """Returns the answer's (path, body); 60 s is the queue function's timeout."""
        self.events.put(event)
        return self.answers.get(timeout=timeout)


class InvocationQueueHandler(RuntimeApiHandler):
    def do_GET(self):
        if not self.path.endswith("/runtime/invocation/next"):
            self.send_error(404)
            return
        self.server.waiting.set()
        body = self.server.events.get()
        self.server.waiting.clear()
        self.server.invocations += 1
        self.send_event(body, f"request-{self.server.invocations}", 60_000, "relaymail-queue")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.accept()
        if "/response" in self.path or "/error" in self.path:
            self.server.answers.put((self.path, body.decode("utf-8", "replace")))


def sqs_events(body, count):
    """`count` messages of `body` as SQS events of LAMBDA_BATCH records each, every record shaped as Lambda delivers
    it (events/sqs-batch.json)."""
    events = []
    for first in range(0, count, LAMBDA_BATCH):
        sent = int(time.time() * 1000)
        records = []
        for _ in range(first, min(count, first + LAMBDA_BATCH)):
            message_id = str(uuid.uuid4())
            records.append({
                "messageId": message_id,
                "receiptHandle": "AQEB" + hashlib.sha256(message_id.encode()).hexdigest() * 2,
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(sent),
                               "SenderId": "AIDACKCEVSQ6C2EXAMPLE", "ApproximateFirstReceiveTimestamp": str(sent + 12)},
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode("utf-8")).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:eu-central-1:123456789012:relaymail-messages",
                "awsRegion": "eu-central-1",
            })
        events.append(json.dumps({"Records": records}).encode("utf-8"))
    return events


def send_request():
    """The benchmark message as the function's send request, one line of JSON (the body of every record)."""
    return subprocess.run(["java", "-cp", java_classpath(), "-Dbench.message=" + os.path.join(BENCH, "message"),
                           "dev.relaymail.bench.BenchRequest"], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.strip()


def lambda_cpu(command, task_root, env, events):
    """Starts a fresh container: `command` in `task_root` with `env`, served `events` one after the other through
    InvocationQueue. Its process's user + system time (all threads, from /proc) is read while the runtime waits for
    an invocation: before the first event, after LAMBDA_WINDOW messages, after LAMBDA_WARM_UP and after LAMBDA_WARM_UP
    + LAMBDA_WINDOW. Returns (messages/s over the first window, peak RSS in KB, CPU ms per message over the first
    window, the same once compiled, messages/s once compiled, the init's CPU ms)."""
    api = InvocationQueue().start()
    env = dict(env, **lambda_settings(api, task_root, env["_HANDLER"]))
    marks = {0, LAMBDA_WINDOW // LAMBDA_BATCH, LAMBDA_WARM_UP // LAMBDA_BATCH,
             (LAMBDA_WARM_UP + LAMBDA_WINDOW) // LAMBDA_BATCH}
    readings = {}
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(command, env=env, cwd=task_root, stdout=subprocess.DEVNULL, stderr=stderr)

        def between_invocations(batch):
            """CPU seconds and the clock once the runtime asks for the next event, done with the last."""
            deadline = time.monotonic() + 60
            while not api.waiting.wait(0.1):
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr.seek(0)
                    raise SystemExit(f"the function did not ask for invocation {batch + 1}:\n"
                                     + stderr.read()[-4000:].decode("utf-8", "replace"))
            readings[batch] = (process_cpu_seconds(process.pid), time.perf_counter())

        try:
            for batch, event in enumerate(events):
                if batch in marks:
                    between_invocations(batch)
                path, answer = api.invoke(event)
                if "/error" in path or json.loads(answer).get("batchItemFailures"):
                    raise SystemExit(f"batch {batch + 1} was not sent: {path} {answer[:500]}")
            between_invocations(len(events))
            rss = peak_rss_kb(process.pid)
        finally:
            process.kill()
            process.wait()
            api.shutdown()

    def window(start_batch, end_batch):
        (cpu0, t0), (cpu1, t1) = readings[start_batch], readings[end_batch]
        return 1000 * (cpu1 - cpu0) / LAMBDA_WINDOW, LAMBDA_WINDOW / (t1 - t0)

    first_cpu, first_rate = window(0, LAMBDA_WINDOW // LAMBDA_BATCH)
    compiled_cpu, compiled_rate = window(LAMBDA_WARM_UP // LAMBDA_BATCH, len(events))
    return first_rate, rss, first_cpu, compiled_cpu, compiled_rate, 1000 * readings[0][0]


def peak_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def relaymail_lambda_cpu(relay, events):
    """The package java21 runs, under Lambda's runtime interface client as the cold start runs it, with the queue
    function's JVM options and its default relay connections; the secret from moto_server."""
    env = dict(function_env(relay, QUEUE_JAVA_OPTIONS), _HANDLER=HANDLER)
    return lambda_cpu(java_runtime_command(), os.path.join(WORK, "function"), env, events)


def jdk25_aot_lambda_cpu(relay, events):
    """The same with the self-contained package (template.yaml's Runtime=jdk25-aot), started by its bootstrap: the
    bundled JDK 25 and the AOT cache of its training run (classes loaded and linked, and method profiles)."""
    package = os.path.join(WORK, "jdk25-aot")
    env = dict(function_env(relay, QUEUE_JAVA_OPTIONS), _HANDLER=HANDLER)
    return lambda_cpu([os.path.join(package, "bootstrap")], package, env, events)


def nodemailer_lambda_cpu(relay, events):
    """Nodemailer's function (bench/peers/node/lambda.js, a pool of 5) under AWS's runtime interface client for
    Node.js."""
    node = os.path.join(BENCH, "peers", "node")
    env = dict(os.environ, **relay, BENCH_CONNECTIONS="5", _HANDLER="lambda.handler")
    return lambda_cpu(["node", os.path.join(NODE_RIC, "index.mjs"), "lambda.handler"], node, env, events)


def lambda_cpu_table(relay, runs):
    log(f"CPU per message as Lambda runs it (SQS batches of {LAMBDA_BATCH}, {LAMBDA_WARM_UP + LAMBDA_WINDOW} "
        "messages a container)")
    events = sqs_events(send_request(), LAMBDA_WARM_UP + LAMBDA_WINDOW)
    rows = interleaved(runs, {
        "relaymail": lambda: relaymail_lambda_cpu(relay, events),
        "relaymail, jdk25-aot": lambda: jdk25_aot_lambda_cpu(relay, events),
        "Nodemailer": lambda: nodemailer_lambda_cpu(relay, events),
    })
    return lambda_cpu_lines(rows, runs)


def lambda_cpu_lines(rows, runs):
    mine, aot, peer = rows["relaymail"], rows["relaymail, jdk25-aot"], rows["Nodemailer"]
    return ["", "CPU per message as Lambda runs it (packaged, runtime interface client, SQS batches of "
            f"{LAMBDA_BATCH}; a fresh container each run, its process's user + system time, all threads; median of {runs}, "
            "round-robin):", "",
            f"| sender | CPU per message, first {LAMBDA_WINDOW:,} messages | once compiled (messages "
            f"{LAMBDA_WARM_UP + 1:,} to {LAMBDA_WARM_UP + LAMBDA_WINDOW:,}) | messages/s, first {LAMBDA_WINDOW:,} | "
            "messages/s, once compiled | the init's CPU (until it first asks for an event) | peak RSS |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| relaymail (java21 package, Lambda's Java runtime interface client, 10 connections, the default) | "
            f"{mine[2]:.2f} ms | {mine[3]:.2f} ms | {mine[0]:.0f} | {mine[4]:.0f} | {mine[5]:.0f} ms | "
            f"{(mine[1] or 0) / 1024:.0f} MB |",
            "| the same with Runtime=jdk25-aot (its bootstrap: jlink-ed JDK 25, AOT cache) | "
            f"{aot[2]:.2f} ms | {aot[3]:.2f} ms | {aot[0]:.0f} | {aot[4]:.0f} | {aot[5]:.0f} ms | "
            f"{(aot[1] or 0) / 1024:.0f} MB |",
            "| Nodemailer (pool of 5, npm's aws-lambda-ric, Lambda's runtime interface client for Node.js) | "
            f"{peer[2]:.2f} ms | {peer[3]:.2f} ms | {peer[0]:.0f} | "
            f"{peer[4]:.0f} | {peer[5]:.0f} ms | {(peer[1] or 0) / 1024:.0f} MB |",
            f"| relaymail ÷ Nodemailer | {mine[2] / peer[2]:.2f}x | {mine[3] / peer[3]:.2f}x | | | | |",
            f"| jdk25-aot ÷ Nodemailer | {aot[2] / peer[2]:.2f}x | {aot[3] / peer[3]:.2f}x | | | | |"]


# --- report -------------------------------------------------------------------------------------------------------

def interleaved(runs, senders):
    """Runs every sender once per round, round after round, and gives each one's median (and its peak RSS).

    Round-robin rather than one sender's runs back to back: on a shared machine a slow minute then slows one run of
    every sender instead of every run of one sender, so that the ratios between senders stay fair.
    """
    values = {name: [] for name in senders}
    for round_ in range(runs):
        for name, fn in senders.items():
            values[name].append(fn())
            log(f"  round {round_ + 1}, {name}: {values[name][-1]}")
    result = {}
    for name, runs_of_one in values.items():
        if isinstance(runs_of_one[0], tuple):
            # messages/s, the highest peak RSS, then the medians of the CPU figures
            result[name] = (statistics.median(v[0] for v in runs_of_one), max(v[1] or 0 for v in runs_of_one),
                            *(statistics.median(v[i] for v in runs_of_one) for i in range(2, len(runs_of_one[0]))))
        else:
            result[name] = statistics.median(runs_of_one)
    return result


def package_size(name):
    directory = os.path.join(WORK, name)
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(directory) for f in files)
    archive = os.path.join(WORK, name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for d, _, files in os.walk(directory):
            for f in files:
                z.write(os.path.join(d, f), os.path.relpath(os.path.join(d, f), directory))
    return total, os.path.getsize(archive)


def machine():
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    java = subprocess.run(["java", "-version"], stderr=subprocess.PIPE, text=True).stderr.splitlines()[0]
    node = subprocess.run(["node", "--version"], stdout=subprocess.PIPE, text=True).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; {java}; "
            f"Python {platform.python_version()}; Node.js {node}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages and runs, for a first look")
    parser.add_argument("--across-network", action="store_true",
                        help="only the across-a-network table (each sender's one connection, relaymail's default and "
                             "Nodemailer's pool of 5), printed; bench/results.md stays as it is")
    parser.add_argument("--lambda-cpu", action="store_true",
                        help="only the table of CPU per message as Lambda runs it (the packaged function under the "
                             "runtime interface client, SQS batches of 50, against Nodemailer's), printed; "
                             "bench/results.md stays as it is")
    args = parser.parse_args()
    count, runs, warmup, slow = (500, 1, 100, 60) if args.quick else (3000, 3, 500, 300)
    # once compiled: enough warm-up for the JVM's optimising compiler to be done with the sending code (about
    # 6,000 messages here); the same for Nodemailer; 3 runs of each, as this table too moved a lot between runs
    compiled, compiled_runs = (500, 1) if args.quick else (6000, 3)
    # across a network the senders wait rather than compute: fewer messages suffice, and 3 runs of each, since this
    # table's ratio moved by 0.3 from one run to the next
    distant_count, distant_warmup, distant_runs = (200, 50, 1) if args.quick else (1000, 200, 3)
    # cold starts are short and vary with the minute: many rounds
    cold_rounds = 5 if args.quick else 15
    # CPU as Lambda runs it: each run a fresh container of 9,000 messages (about 30 s a sender), 3 runs of each
    lambda_runs = 1 if args.quick else 3

    lock = only_run_here()  # noqa: F841  (held until the process ends)
    build()
    relay = start_relay()
    moto = start_moto(relay)
    if args.lambda_cpu:
        with open("/proc/loadavg") as f:
            load_before = " ".join(f.read().split()[:3])
        try:
            lines = lambda_cpu_table(relay, lambda_runs)
        finally:
            moto.terminate()
            sh([os.path.join(BENCH, "relay", "stop")], env=dict(os.environ, BENCH_WORK=RELAY_WORK))
        with open("/proc/loadavg") as f:
            load_after = " ".join(f.read().split()[:3])
        print("\n".join([f"Machine: {machine()}; load average before: {load_before}, after: {load_after}"] + lines))
        return
    if args.across_network:
        with open("/proc/loadavg") as f:
            load_before = " ".join(f.read().split()[:3])
        try:
            distant = across_network(relay, distant_runs, across_network_senders(distant_count, distant_warmup),
                                     distant_warmup + distant_count)
        finally:
            moto.terminate()
            sh([os.path.join(BENCH, "relay", "stop")], env=dict(os.environ, BENCH_WORK=RELAY_WORK))
        print("\n".join([f"Machine: {machine()}; load average before: {load_before}"] + ratio_table(
            distant_title(distant_count, distant_warmup, distant_runs), distant)))
        return
    try:
        log("warm throughput")
        rows = interleaved(runs, {
            "relaymail, 1 connection": lambda: relaymail_throughput(relay, count, 1, warmup),
            "relaymail, default connections": lambda: relaymail_throughput(relay, count, None, warmup),
            "plain Angus Mail": lambda: java_peer_throughput(relay, "AngusPlainThroughput", slow),
            "Python smtplib + email": lambda: smtplib_throughput(relay, slow),
            "Nodemailer, 1 connection": lambda: nodemailer_throughput(relay, count, 1, warmup),
            "Nodemailer, pool of 5": lambda: nodemailer_throughput(relay, count, 5, warmup),
            "ceiling: the same bytes resent, nothing parsed or composed":
                lambda: java_peer_throughput(relay, "RelayCeiling", count),
        })

        log("warm throughput once compiled")
        settled = interleaved(compiled_runs, {
            "relaymail, 1 connection": lambda: relaymail_throughput(relay, count, 1, compiled),
            "relaymail, default connections": lambda: relaymail_throughput(relay, count, None, compiled),
            "Nodemailer, 1 connection": lambda: nodemailer_throughput(relay, count, 1, compiled),
            "Nodemailer, pool of 5": lambda: nodemailer_throughput(relay, count, 5, compiled),
        })

        lambda_cpu_rows = lambda_cpu_table(relay, lambda_runs)

        distant = across_network(relay, distant_runs, across_network_senders(distant_count, distant_warmup),
                                 distant_warmup + distant_count)

        log("cold start")
        event = api_event()
        cold = interleaved(cold_rounds, {
            "relaymail": lambda: relaymail_cold_start(relay, event),
            "jdk25-aot": lambda: jdk25_aot_cold_start(relay, event),
            "keyed": lambda: keyed_cold_start(relay, event),
            "floor": lambda: secret_only_cold_start(relay),
            "SDK floor": lambda: secret_only_cold_start(relay, "sdk"),
            "seed": lambda: python_seed_cold_start(relay),
        })
        java_cold, aot_cold, keyed_cold, secret_cold, sdk_cold, python_cold = (
            cold["relaymail"], cold["jdk25-aot"], cold["keyed"], cold["floor"], cold["SDK floor"], cold["seed"])
    finally:
        moto.terminate()
        sh([os.path.join(BENCH, "relay", "stop")], env=dict(os.environ, BENCH_WORK=RELAY_WORK))

    unpacked, zipped = package_size("function")
    aot_unpacked, aot_zipped = package_size("jdk25-aot")
    node1 = rows["Nodemailer, 1 connection"][0]
    node5 = rows["Nodemailer, pool of 5"][0]
    lines = [f"Machine: {machine()}", "",
             f"Warm throughput ({count} messages per run; median of {runs}, round-robin; relay: private Postfix, "
             "STARTTLS + AUTH):",
             "",
             "| sender | messages/s | vs Nodemailer, 1 connection | vs Nodemailer, pool of 5 | peak RSS "
             "| sender's CPU per message | the rest of the machine's (the relay) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, (rate, rss, own, rest) in rows.items():
        lines.append(f"| {name} | {rate:.0f} | {rate / node1:.2f}x | {rate / node5:.2f}x | "
                     f"{(rss or 0) / 1024:.0f} MB | {own:.2f} ms | {rest:.2f} ms |")
    lines += ratio_table(f"Warm throughput once compiled ({compiled} messages of warm-up each, then {count}; median "
                         f"of {compiled_runs}, round-robin):", settled)
    lines += lambda_cpu_rows
    lines += ratio_table(distant_title(distant_count, distant_warmup, distant_runs), distant)
    lines += ["", f"Cold start (process start until the relay accepted the first message; median of {cold_rounds}, "
              "round-robin):", "",
              "| function | seconds | vs the seed's Python |", "| --- | ---: | ---: |",
              f"| relaymail (Java, Lambda runtime interface client) | {java_cold:.2f} | {java_cold / python_cold:.2f}x |",
              f"| the same with Runtime=jdk25-aot (its bootstrap: jlink-ed JDK 25, AOT cache) | {aot_cold:.2f} | "
              f"{aot_cold / python_cold:.2f}x |",
              f"| the same request with an Idempotency-Key (claimed and answered in DynamoDB) | "
              f"{keyed_cold:.2f} | {keyed_cold / python_cold:.2f}x |",
              f"| seed's way (Python smtplib + email + boto3) | {python_cold:.2f} | 1.00x |",
              f"| floor: a JVM that only reads the secret as the function does (its own signed request), nothing else | "
              f"{secret_cold:.2f} | {secret_cold / python_cold:.2f}x |",
              f"| the same with the AWS SDK's client (as with SnapStart) | {sdk_cold:.2f} | {sdk_cold / python_cold:.2f}x |",
              "",
              f"Package: {unpacked / 1e6:.1f} MB unpacked, {zipped / 1e6:.1f} MB zipped; with Runtime=jdk25-aot "
              f"{aot_unpacked / 1e6:.1f} MB unpacked, {aot_zipped / 1e6:.1f} MB zipped."]
    report = "\n".join(lines)
    print(report)
    with open(os.path.join(BENCH, "results.md"), "w") as f:
        f.write(report + "\n")


def distant_title(count, warmup, runs):
    return (f"Warm throughput across a network (the relay behind a proxy that adds {2 * NETWORK_DELAY_MS} ms to each "
            f"round trip; {warmup} messages of warm-up, then {count}; median of {runs}, round-robin):")


def ratio_table(title, rows):
    """A table of messages/s with the ratios to Nodemailer's two rows among them, and the CPU per message of the
    sender and of the rest of the machine (and of the delay proxy, where the rows have it), under a blank line and a
    title."""
    proxied = all(len(row) == 5 for row in rows.values())
    lines = ["", title, "", "| sender | messages/s | vs Nodemailer, 1 connection | vs Nodemailer, pool of 5 "
             "| sender's CPU per message | the rest of the machine's (the relay) |"
             + (" the delay proxy's (whole run, warm-up included) |" if proxied else ""),
             "| --- | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if proxied else "")]
    for name, (rate, _, own, rest, *proxy) in rows.items():
        lines.append(f"| {name} | {rate:.0f} | {rate / rows['Nodemailer, 1 connection'][0]:.2f}x | "
                     f"{rate / rows['Nodemailer, pool of 5'][0]:.2f}x | {own:.2f} ms | {rest:.2f} ms |"
                     + "".join(f" {p:.2f} ms |" for p in proxy))
    return lines


if __name__ == "__main__":
    main()
