// RecipientsInteropIT: writes, with Nodemailer's MailComposer (what its transports send), each message of the JSON
// file given first ({"case": {from, to, subject, text, html, attachments: [{filename, contentType, content (base64),
// contentId}]}}) to <folder given second>/<case>.eml, for the comparison in docs/recipients.md.
import { readFile, writeFile } from 'node:fs/promises';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

const [cases, folder] = process.argv.slice(2);
for (const [name, m] of Object.entries(JSON.parse(await readFile(cases, 'utf8')))) {
  const mail = new MailComposer({
    from: m.from,
    to: m.to,
    subject: m.subject,
    text: m.text ?? undefined,
    html: m.html ?? undefined,
    attachments: (m.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: Buffer.from(a.content, 'base64'),
      cid: a.contentId,
      contentDisposition: a.contentId ? 'inline' : 'attachment',
    })),
  });
  await writeFile(`${folder}/${name}.eml`, await mail.compile().build());
}
