#!/usr/bin/env python3
"""The cold start's floor with the function's own SigV4 against the AWS SDK's signer, interleaved: one command.

Builds the function's package as `make package` does (bench/.work/signer/function), starts a moto_server of its own
(on a free port) holding the secret, then runs the bench's secret-only JVM (SecretOnly) on that package, with the
bench function's JVM flags (bench/run.py's LAMBDA_HEAP, API_JAVA_OPTIONS, -Xshare:auto) and environment, two ways:

  * own-signer: the function as it is, its GetSecretValue signed by dev.relaymail.aws.SigV4;
  * sdk-signer: the same, with bench/java/src/sdk-signer's SigV4 first on the class path: the same class, whose
    signature is computed by the SDK's AwsV4HttpSigner (http-auth-aws) instead; the same AwsJsonClient, the same
    HttpURLConnection, the same request (plus the one header the SDK signs too, x-amz-content-sha256).

Each round runs each way once, in alternating order; a series is --rounds rounds, and --series series are run. For
every process it records the wall time (start to exit) and its CPU time (user + sys, from wait4), and prints per
series the medians, the difference (sdk - own) with a bootstrap 95% interval of the median of the rounds' differences,
the difference in each half of the series, the rounds in which the SDK's was slower, and /proc/loadavg before and
after. The raw figures go to bench/.work/signer/series-<time>-<n>.json. No relay and no root needed.

    python3 bench/signer.py [--rounds 21] [--series 2] [--no-build]
"""
import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  the bench's flags and the function's environment, so that both stay the same as there

BENCH = run.BENCH
ROOT = run.ROOT
WORK = os.path.join(run.WORK, "signer")
FUNCTION = os.path.join(WORK, "function")
WAYS = ("own-signer", "sdk-signer")


def log(message):
    print(message, file=sys.stderr, flush=True)


def build():
    log("building the function's package (make package) and the two signers' class directories")
    shutil.rmtree(WORK, ignore_errors=True)
    run.sh(["make", "package", "ARTIFACTS_DIR=" + FUNCTION])
    classpath = FUNCTION + ":" + os.path.join(FUNCTION, "lib", "*")
    java = os.path.join(BENCH, "java", "src")
    run.sh(["javac", "--release", "17", "-nowarn", "-d", os.path.join(WORK, "classes"), "-cp", classpath,
            os.path.join(java, "main", "java", "dev", "relaymail", "bench", "SecretOnly.java")])
    run.sh(["javac", "--release", "17", "-nowarn", "-d", os.path.join(WORK, "sdk-signer"), "-cp", classpath,
            os.path.join(java, "sdk-signer", "java", "dev", "relaymail", "aws", "SigV4.java")])
    # the own signer's run gets an empty directory in the same place, so that both class paths have as many entries
    os.makedirs(os.path.join(WORK, "own-signer"), exist_ok=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    log(f"starting moto_server on 127.0.0.1:{port} with the secret")
    moto = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    aws = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="eu-central-1")
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if subprocess.run(["aws", "--endpoint-url", endpoint, "secretsmanager", "list-secrets"], env=aws,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            break
        time.sleep(0.2)
    subprocess.run(["aws", "--endpoint-url", endpoint, "secretsmanager", "create-secret", "--name", "bench/smtp",
                    "--secret-string", json.dumps({"username": "bench", "password": "bench"})], env=aws,
                   stdout=subprocess.DEVNULL, check=True)
    run.MOTO_PORT = port  # function_env points the function there
    return moto


def secret_only(way, env):
    """One secret-only JVM signing one way: (wall seconds, CPU seconds of the process, peak RSS KB)."""
    classpath = ":".join([os.path.join(WORK, way), FUNCTION, os.path.join(FUNCTION, "lib", "*"),
                          os.path.join(WORK, "classes")])
    command = ["java", run.LAMBDA_HEAP, "-Xshare:auto", "-cp", classpath, "dev.relaymail.bench.SecretOnly", way]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{way} failed ({process.returncode}):\n{err.read().decode()[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def series(rounds, env):
    loads = [loadavg()]
    runs = {way: [] for way in WAYS}
    for i in range(rounds):
        for way in (WAYS if i % 2 == 0 else reversed(WAYS)):
            runs[way].append(secret_only(way, env))
    loads.append(loadavg())
    return runs, loads


def bootstrap(differences, draws=10000, seed=19):
    """A 95% interval of the median of the rounds' differences, resampling rounds."""
    rng = random.Random(seed)
    medians = sorted(statistics.median(rng.choices(differences, k=len(differences))) for _ in range(draws))
    return medians[int(0.025 * draws)], medians[int(0.975 * draws) - 1]


def summary(runs, measure):
    own = [r[measure] for r in runs["own-signer"]]
    sdk = [r[measure] for r in runs["sdk-signer"]]
    differences = [s - o for s, o in zip(sdk, own)]
    half = len(differences) // 2
    low, high = bootstrap(differences)
    return {
        "own": statistics.median(own), "sdk": statistics.median(sdk),
        "difference": statistics.median(sdk) - statistics.median(own),
        "paired": statistics.median(differences), "interval": (low, high),
        "halves": (statistics.median(differences[:half]), statistics.median(differences[half:])),
        "slower": sum(d > 0 for d in differences), "rounds": len(differences),
    }


def ms(seconds, sign=""):
    return f"{seconds * 1000:{sign}.0f} ms"


def table(n, runs, loads):
    lines = [f"Series {n}: {len(runs['own-signer'])} rounds, load average {loads[0]} before, {loads[1]} after", "",
             "| | own SigV4 | SDK's AwsV4HttpSigner | difference of medians | median of the rounds' differences "
             "(95% bootstrap) | the same, first half / second half | rounds the SDK's was slower |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    above = []
    for label, measure in (("wall", 0), ("CPU (user+sys)", 1)):
        s = summary(runs, measure)
        low, high = s["interval"]
        first, second = s["halves"]
        lines.append(f"| {label} | {ms(s['own'])} | {ms(s['sdk'])} | {ms(s['difference'], '+')} "
                     f"| {ms(s['paired'], '+')} ({ms(low, '+')} to {ms(high, '+')}) "
                     f"| {ms(first, '+')} / {ms(second, '+')} | {s['slower']} of {s['rounds']} |")
        above.append(low > 0)
    rss = {way: statistics.median(r[2] for r in runs[way]) / 1024 for way in WAYS}
    verdict = ("the SDK's signer measurably slower (both intervals above zero)" if all(above) else
               "only one of the two intervals above zero" if any(above) else
               "the SDK's signer not measurably slower (no interval above zero)")
    lines += ["", f"Peak RSS (median): own {rss['own-signer']:.0f} MB, SDK's {rss['sdk-signer']:.0f} MB. "
              f"Verdict: {verdict}."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="rounds per series (one run of each signer a round)")
    parser.add_argument("--series", type=int, default=2, help="how many series")
    parser.add_argument("--no-build", action="store_true", help="reuse bench/.work/signer as last built")
    args = parser.parse_args()
    if not args.no_build:
        build()
    moto = start_moto()
    # as bench/run.py's secret_only_cold_start: the API function's JVM options; no relay is reached
    relay = {"BENCH_RELAY_HOST": "127.0.0.1", "BENCH_RELAY_PORT": "2587",
             "BENCH_RELAY_TRUSTSTORE": os.path.join(ROOT, "src", "test", "resources", "tls", "truststore.p12")}
    env = run.function_env(relay, run.API_JAVA_OPTIONS)
    try:
        for way in WAYS:  # one of each first, not counted: the page cache holds the jars for every measured run
            secret_only(way, env)
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE,
                                text=True).stdout.strip()
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}; {run.machine()}\n")
        for n in range(1, args.series + 1):
            log(f"series {n} of {args.series}: {args.rounds} rounds")
            runs, loads = series(args.rounds, env)
            stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
            with open(os.path.join(WORK, f"series-{stamp}-{n}.json"), "w") as f:
                json.dump({"loadavg": loads, "runs": runs}, f)
            print(table(n, runs, loads) + "\n", flush=True)
    finally:
        moto.terminate()
        moto.wait()


if __name__ == "__main__":
    main()
