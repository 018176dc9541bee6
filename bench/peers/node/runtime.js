#!/usr/bin/env node
'use strict';
/*
 * The smallest Lambda runtime for Node.js: what Lambda's Node runtime does for an async handler, and no more. Loads
 * the handler _HANDLER ("file.export") from LAMBDA_TASK_ROOT, then, for ever, asks the Runtime API at
 * AWS_LAMBDA_RUNTIME_API for the next invocation, calls the handler with its event and posts the answer (or the
 * error) back. One HTTP connection, kept alive, as the real runtime keeps one.
 *
 *   AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 LAMBDA_TASK_ROOT=. _HANDLER=lambda.handler node runtime.js
 *
 * bench/run's table "CPU per message as Lambda runs it" runs Nodemailer's function (lambda.js) under it; npm's
 * aws-lambda-ric needs Node.js 22 or later, and this machine has 20.
 */
const http = require('http');
const path = require('path');

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const [host, port] = api.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = '/2018-06-01/runtime';

function request(method, url, body) {
    return new Promise((resolve, reject) => {
        const headers = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) };
        const req = http.request({ host, port, method, path: url, agent, headers }, res => {
            const chunks = [];
            res.on('data', chunk => chunks.push(chunk));
            res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
    });
}

function loadHandler() {
    const handler = process.env._HANDLER;
    const dot = handler.lastIndexOf('.');
    const module = require(path.resolve(process.env.LAMBDA_TASK_ROOT || '.', handler.slice(0, dot)));
    const fn = module[handler.slice(dot + 1)];
    if (typeof fn !== 'function') {
        throw new Error(`${handler} is not a function`);
    }
    return fn;
}

async function main() {
    let handler;
    try {
        handler = loadHandler();
    } catch (err) {
        await request('POST', `${base}/init/error`, JSON.stringify({ errorType: err.name, errorMessage: err.message }));
        throw err;
    }
    for (;;) {
        const next = await request('GET', `${base}/invocation/next`);
        const id = next.headers['lambda-runtime-aws-request-id'];
        const context = {
            awsRequestId: id,
            invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
            getRemainingTimeInMillis: () => Number(next.headers['lambda-runtime-deadline-ms']) - Date.now()
        };
        try {
            const result = await handler(JSON.parse(next.body), context);
            await request('POST', `${base}/invocation/${id}/response`, JSON.stringify(result === undefined ? null : result));
        } catch (err) {
            await request('POST', `${base}/invocation/${id}/error`,
                JSON.stringify({ errorType: err && err.name, errorMessage: String(err && err.message) }));
        }
    }
}

main().catch(err => {
    process.stderr.write(`runtime.js: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
});
