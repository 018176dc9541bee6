"""The benchmark message (bench/message/) built with the `email` package, as a Python function would build it."""
import json
import os
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

MESSAGE_DIR = os.environ.get("BENCH_MESSAGE_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "message")


def load_parts(message_dir=MESSAGE_DIR):
    """The message's description and its parts: (spec, text, html, pdf bytes)."""
    with open(os.path.join(message_dir, "message.json"), encoding="utf-8") as f:
        spec = json.load(f)
    with open(os.path.join(message_dir, spec["text"]), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(message_dir, spec["html"]), encoding="utf-8") as f:
        html = f.read()
    with open(os.path.join(message_dir, spec["attachment"]["file"]), "rb") as f:
        pdf = f.read()
    return spec, text, html, pdf


def build(spec, text, html, pdf):
    """A fresh EmailMessage with its own Message-ID (no DNS lookup)."""
    msg = EmailMessage()
    msg["From"] = spec["from"]
    msg["To"] = ", ".join(spec["to"])
    msg["Subject"] = spec["subject"]
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="bench.example")
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    maintype, subtype = spec["attachment"]["contentType"].split("/", 1)
    msg.add_attachment(pdf, maintype=maintype, subtype=subtype, filename=spec["attachment"]["filename"])
    return msg
