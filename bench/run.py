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
  * peak RSS of each sender, the CPU time each sender spends per message in its timed part (all its threads), and
    what the rest of the machine spends meanwhile (on a quiet machine: the relay), and the size of the function's
    package.

Each figure is the median of several runs, taken round-robin (one run of every sender per round). Results go to
standard output and to bench/results.md.

    bench/run [--quick]
    bench/run --across-network [--quick]   # only the across-a-network table, printed; results.md stays as it is
"""
import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
import zipfile

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, os.path.join(ROOT, "runtime"))
from runtime_api import RuntimeApi  # noqa: E402  (Lambda's Runtime API, also the AOT cache's training run's)
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
    if not os.path.isdir(os.path.join(BENCH, "peers", "node", "node_modules")):
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
    command = ["java", LAMBDA_HEAP, "-Xshare:auto", "-cp", os.path.join(WORK, "runtime", "*"),
               "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", HANDLER]
    return cold_start(command, os.path.join(WORK, "function"), relay, event, **settings)


def jdk25_aot_cold_start(relay, event):
    """The same with the self-contained package (template.yaml's Runtime=jdk25-aot), started by its bootstrap: the
    bundled JDK 25 and its AOT cache."""
    package = os.path.join(WORK, "jdk25-aot")
    return cold_start([os.path.join(package, "bootstrap")], package, relay, event)


def cold_start(command, task_root, relay, event, **settings):
    api = RuntimeApi(event).start()
    env = function_env(relay, API_JAVA_OPTIONS)
    env.update(settings)
    env.update(AWS_LAMBDA_RUNTIME_API=api.address, LAMBDA_TASK_ROOT=task_root,
               _HANDLER=HANDLER, AWS_LAMBDA_FUNCTION_NAME="relaymail", AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
               AWS_LAMBDA_FUNCTION_MEMORY_SIZE="1024", AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/relaymail",
               AWS_LAMBDA_LOG_STREAM_NAME="bench")
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

    build()
    relay = start_relay()
    moto = start_moto(relay)
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
