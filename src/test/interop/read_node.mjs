// RecipientsInteropIT: reads each .eml file named on the command line with mailparser and with postal-mime and
// prints, for each parser and file, what a reader shows: subject, display names, text, HTML and every other part.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { simpleParser } from 'mailparser';
import PostalMime from 'postal-mime';

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const addresses = (header) =>
  (header ? [header].flat().flatMap((h) => h.value) : []).map((a) => ({ name: a.name ?? '', address: a.address }));

async function mailparser(raw) {
  const m = await simpleParser(raw, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
  });
  return {
    subject: m.subject ?? null,
    from: addresses(m.from),
    to: addresses(m.to),
    text: m.text ?? null,
    html: m.html === false || m.html === undefined ? null : m.html,
    attachments: m.attachments.map((a) => ({
      filename: a.filename ?? null,
      contentType: a.contentType,
      disposition: a.contentDisposition ?? null,
      contentId: a.contentId ?? null,
      sha256: sha256(a.content),
    })),
  };
}

async function postalMime(raw) {
  const p = await PostalMime.parse(raw);
  const one = (a) => ({ name: a.name ?? '', address: a.address });
  return {
    subject: p.subject ?? null,
    from: p.from ? [one(p.from)] : [],
    to: (p.to ?? []).map(one),
    text: p.text ?? null,
    html: p.html ?? null,
    attachments: p.attachments.map((a) => ({
      filename: a.filename ?? null,
      contentType: a.mimeType,
      disposition: a.disposition ?? null,
      contentId: a.contentId ?? null,
      sha256: sha256(Buffer.from(a.content)),
    })),
  };
}

const out = { mailparser: {}, 'postal-mime': {} };
for (const path of process.argv.slice(2)) {
  const raw = await readFile(path);
  out.mailparser[path] = await mailparser(raw);
  out['postal-mime'][path] = await postalMime(raw);
}
process.stdout.write(JSON.stringify(out));
