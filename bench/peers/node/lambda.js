'use strict';
/*
 * Nodemailer as a Lambda function on an SQS queue: the peer of relaymail's queue function in bench/run's table
 * "CPU per message as Lambda runs it". Handler: lambda.handler.
 *
 * Each record's body is a send request of relaymail's contract (from, to, subject, text, html, attachments with
 * base64 content), the same body relaymail's function gets. The handler turns each into Nodemailer's message, sends
 * all of a batch's records at once over a pool of BENCH_CONNECTIONS connections (default 5, Nodemailer's own
 * default for a pool), and answers with the records that failed, as a function with ReportBatchItemFailures does.
 * The transport is made once, when the module is loaded (the container's init), and kept across invocations.
 *
 * Env: BENCH_RELAY_HOST (default localhost), BENCH_RELAY_PORT (default 2587), BENCH_RELAY_USER,
 * BENCH_RELAY_PASSWORD, BENCH_RELAY_CA, BENCH_CONNECTIONS (default 5).
 */
const fs = require('fs');
const nodemailer = require('nodemailer');

function env(name, fallback) {
    const value = process.env[name];
    if (value === undefined || value === '') {
        if (fallback === undefined) {
            throw new Error(`environment variable ${name} is required`);
        }
        return fallback;
    }
    return value;
}

const transporter = nodemailer.createTransport({
    host: env('BENCH_RELAY_HOST', 'localhost'),
    port: Number(env('BENCH_RELAY_PORT', '2587')),
    secure: false,
    requireTLS: true,
    auth: { user: env('BENCH_RELAY_USER'), pass: env('BENCH_RELAY_PASSWORD') },
    tls: { ca: fs.readFileSync(env('BENCH_RELAY_CA')) },
    pool: true,
    maxConnections: Number(env('BENCH_CONNECTIONS', '5')),
    maxMessages: Infinity
});

function message(body) {
    const request = JSON.parse(body);
    return {
        from: request.from,
        to: request.to,
        subject: request.subject,
        text: request.text,
        html: request.html,
        attachments: (request.attachments || []).map(a => ({
            filename: a.filename,
            contentType: a.contentType,
            content: a.content,
            encoding: 'base64'
        }))
    };
}

exports.handler = async event => {
    const results = await Promise.allSettled(event.Records.map(record => transporter.sendMail(message(record.body))));
    const batchItemFailures = [];
    results.forEach((result, i) => {
        if (result.status === 'rejected') {
            process.stderr.write(`lambda.js: ${event.Records[i].messageId}: ${result.reason}\n`);
            batchItemFailures.push({ itemIdentifier: event.Records[i].messageId });
        }
    });
    return { batchItemFailures };
};
