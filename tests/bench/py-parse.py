#!/usr/bin/env python3
"""py-parse.py FILE... -- the baseline: Python's standard email parser reads
each message, decodes its body text and its attachments (what relance's
parser does before classifying)."""
import email
import email.policy
import sys

for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        body.get_content()
    for part in msg.iter_attachments():
        part.get_content()
