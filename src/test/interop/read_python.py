"""RecipientsInteropIT: reads each .eml file named on the command line with Python's email package (policy.default)
and prints, for each file, what a reader shows: subject, display names, text, HTML and every other part."""
import hashlib
import json
import sys
from email import policy
from email.parser import BytesParser


def addresses(header):
    return [] if header is None else [{"name": a.display_name, "address": a.addr_spec} for a in header.addresses]


def read(path):
    with open(path, "rb") as f:
        message = BytesParser(policy=policy.default).parse(f)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    bodies = [part for part in (text, html) if part is not None]
    attachments = []
    for part in message.walk():
        if part.is_multipart() or any(part is body for body in bodies):
            continue
        attachments.append({
            "filename": part.get_filename(),
            "contentType": part.get_content_type(),
            "disposition": part.get_content_disposition(),
            "contentId": part.get("content-id"),
            "sha256": hashlib.sha256(part.get_payload(decode=True)).hexdigest(),
        })
    return {
        "subject": None if message["subject"] is None else str(message["subject"]),
        "from": addresses(message["from"]),
        "to": addresses(message["to"]),
        "text": text.get_content() if text is not None else None,
        "html": html.get_content() if html is not None else None,
        "attachments": attachments,
    }


json.dump({path: read(path) for path in sys.argv[1:]}, sys.stdout)
