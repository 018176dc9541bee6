#!/usr/bin/env node
'use strict';
/*
 * Nodemailer throughput peer: COUNT messages over a pool of CONNECTIONS connections.
 *
 *   node throughput.js COUNT CONNECTIONS
 *
 * One pooled transport (STARTTLS required, certificate and host name verified against
 * BENCH_RELAY_CA, AUTH), BENCH_WARMUP warm-up sends (default 1, not timed), then COUNT sends
 * of the benchmark message with up to CONNECTIONS sends in flight at a time, then close.
 *
 * Env: BENCH_RELAY_HOST (default localhost), BENCH_RELAY_PORT (default 2587),
 * BENCH_RELAY_USER, BENCH_RELAY_PASSWORD, BENCH_RELAY_CA,
 * BENCH_MESSAGE_DIR (default bench/message beside this folder).
 *
 * Prints one JSON line on stdout:
 *   {"peer": "nodemailer", "connections": c, "messages": N, "seconds": s, "per_second": x,
 *    "cpu_seconds": this process's CPU time in the timed part, "machine_cpu_seconds": all cores' busy time in it}
 */
const fs = require('fs');
const path = require('path');
const nodemailer = require('nodemailer');

function fail(message) {
    process.stderr.write(`throughput.js: ${message}\n`);
    process.exit(2);
}

function env(name, fallback) {
    const value = process.env[name];
    if (value === undefined || value === '') {
        if (fallback === undefined) {
            fail(`environment variable ${name} is required`);
        }
        return fallback;
    }
    return value;
}

function positiveInt(text, what) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
        fail(`usage: node throughput.js COUNT CONNECTIONS (${what} must be a positive integer, got ${JSON.stringify(text)})`);
    }
    return n;
}

// busy time of all cores, from /proc/stat (USER_HZ, 100 a second): every field of the cpu line but idle and iowait
function machineCpuSeconds() {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return fields.reduce((busy, ticks, i) => (i === 3 || i === 4 ? busy : busy + ticks), 0) / 100;
}

async function main() {
    const count = positiveInt(process.argv[2], 'COUNT');
    const connections = positiveInt(process.argv[3], 'CONNECTIONS');
    const warmup = positiveInt(env('BENCH_WARMUP', '1'), 'BENCH_WARMUP');

    const host = env('BENCH_RELAY_HOST', 'localhost');
    const port = positiveInt(env('BENCH_RELAY_PORT', '2587'), 'BENCH_RELAY_PORT');
    const user = env('BENCH_RELAY_USER');
    const pass = env('BENCH_RELAY_PASSWORD');
    const ca = fs.readFileSync(env('BENCH_RELAY_CA'));
    const messageDir = env('BENCH_MESSAGE_DIR', path.join(__dirname, '..', '..', 'message'));

    const spec = JSON.parse(fs.readFileSync(path.join(messageDir, 'message.json'), 'utf8'));
    const message = {
        from: spec.from,
        to: spec.to,
        subject: spec.subject,
        text: fs.readFileSync(path.join(messageDir, spec.text), 'utf8'),
        html: fs.readFileSync(path.join(messageDir, spec.html), 'utf8'),
        attachments: [
            {
                filename: spec.attachment.filename,
                contentType: spec.attachment.contentType,
                content: fs.readFileSync(path.join(messageDir, spec.attachment.file))
            }
        ]
    };

    const transporter = nodemailer.createTransport({
        host,
        port,
        secure: false,
        requireTLS: true,
        auth: { user, pass },
        tls: { ca },
        pool: true,
        maxConnections: connections,
        maxMessages: Infinity
    });

    // up to `connections` sends in flight, `total` in all
    const sendAll = async total => {
        let started = 0;
        const worker = async () => {
            while (started < total) {
                started++;
                await transporter.sendMail(message);
            }
        };
        await Promise.all(Array.from({ length: connections }, worker));
    };

    try {
        await sendAll(warmup); // warm-up: opens the connections and warms the JIT, not timed
        const cpuStart = process.cpuUsage();
        const machineStart = machineCpuSeconds();
        const start = process.hrtime.bigint();
        await sendAll(count);
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const cpu = process.cpuUsage(cpuStart);

        process.stdout.write(
            JSON.stringify({
                peer: 'nodemailer',
                connections,
                messages: count,
                seconds: Math.round(seconds * 1e6) / 1e6,
                per_second: Math.round((count / seconds) * 1e3) / 1e3,
                cpu_seconds: (cpu.user + cpu.system) / 1e6,
                machine_cpu_seconds: machineCpuSeconds() - machineStart
            }) + '\n'
        );
    } finally {
        transporter.close();
    }
}

main().catch(err => {
    process.stderr.write(`throughput.js: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
});
