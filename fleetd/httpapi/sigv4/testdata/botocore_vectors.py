"""Regenerates botocore_vectors.json: requests signed by botocore itself.

    python3 testdata/botocore_vectors.py > testdata/botocore_vectors.json

Each vector is a request as it goes on the wire (method, request target,
headers in order, body), the credentials, the time botocore signed it at and
the canonical request botocore logged. TestBotocoreVectors replays them
through Verify. Written against botocore 1.43.11 (aws-cli 1.45.11).
"""
import datetime
import json
import logging
from urllib.parse import urlsplit

import botocore
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

NOW = datetime.datetime(2026, 11, 26, 12, 34, 56)
auth.get_current_datetime = lambda *a, **k: NOW
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
ENDPOINT = "http://127.0.0.1:8443"


class Capture(logging.Handler):
    def emit(self, record):
        if record.msg.startswith("CanonicalRequest"):
            self.canonical = record.args[0] if isinstance(record.args, tuple) else record.args


cap = Capture()
logging.getLogger("botocore.auth").addHandler(cap)
logging.getLogger("botocore.auth").setLevel(logging.DEBUG)


def vector(name, method, target, service, headers=(), body=b"", signer=None, note="", want_code=""):
    req = AWSRequest(method=method, url=ENDPOINT + target, data=body)
    for k, v in headers:
        req.headers[k] = v  # email.message semantics: a repeated name is appended
    signer = signer or auth.SigV4Auth(CREDS, service, "us-east-1")
    cap.canonical = None
    signer.add_auth(req)
    p = req.prepare()
    parts = urlsplit(p.url)
    wire_target = parts.path + ("?" + parts.query if parts.query else "")
    return {
        "name": name,
        "note": note,
        "wantCode": want_code,
        "method": method,
        "target": wire_target,
        "host": "127.0.0.1:8443",
        "headers": [[k, v.decode() if isinstance(v, bytes) else v] for k, v in req.headers.items()],
        "body": body.decode(),
        "accessKeyId": CREDS.access_key,
        "secretAccessKey": CREDS.secret_key,
        "now": NOW.strftime("%Y%m%dT%H%M%SZ"),
        "service": service,
        "region": "us-east-1",
        "canonicalRequest": cap.canonical,
    }


vs = [
    vector("describe-thing", "GET", "/things/foo", "iot"),
    vector("create-thing", "POST", "/things/foo", "iot",
           headers=[("Content-Type", "application/json")],
           body=b'{"attributePayload": {"attributes": {"a": "b"}}}'),
    vector("publish-reserved-topic", "POST", "/topics/%24aws%2Fthings%2Fx%2Fshadow%2Fupdate?qos=1", "iotdata",
           body=b"{}", note="escapes in the path are encoded again"),
    vector("jobs-next-escaped", "GET", "/things/foo/jobs/%24next", "iot-jobs-data"),
    vector("jobs-next-literal", "PUT", "/things/foo/jobs/$next", "iot-jobs-data",
           headers=[("Content-Type", "application/json")], body=b'{"stepTimeoutInMinutes": 5}'),
    vector("query-encoding", "GET",
           "/things?attributeName=a&attributeValue=x%20y%2Bz%2F~%24&maxResults=5&nextToken=", "iot",
           note="space, plus, slash, tilde, dollar, empty value"),
    vector("repeated-query-keys", "GET", "/things?b=2&a=2&a=1&a=10", "iot"),
    vector("header-whitespace", "GET", "/things/foo", "iot",
           headers=[("X-Amz-Meta-Note", "  a   b \t c  "), ("X-Multi", "one"), ("X-Multi", " two  three ")],
           note="trimmed, runs collapsed, repeated headers joined with a comma"),
    vector("dot-segments", "GET", "/a/./b/../c//d/", "iot", note="dot and empty segments removed"),
    vector("non-ascii-path", "GET", "/things/%C3%A9t%C3%A9", "iot"),
    vector("unsigned-payload", "POST", "/things/foo/shadow", "iotdata",
           headers=[("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")], body=b'{"state":{}}'),
    vector("content-sha256", "POST", "/things/foo/shadow", "iotdata",
           headers=[("X-Amz-Content-SHA256", "a9a0ef2d6a2bbb2e6e2ba0a1d3e6e1e5a0c4ba0bcbdd1a2f4f9bd14f8bd6a5b2")],
           body=b'{"state":{}}', note="a hash the body does not have: Verify must reject it after the signature matches",
           want_code="InvalidSignatureException"),
    vector("date-header", "GET", "/things/foo", "iot", headers=[("Date", "whatever")],
           note="botocore replaces Date with an RFC 1123 date and sends no X-Amz-Date"),
    vector("presigned", "GET", "/mqtt", "iotdevicegateway",
           signer=auth.SigV4QueryAuth(CREDS, "iotdevicegateway", "us-east-1", expires=300)),
    vector("presigned-with-query", "GET", "/things?thingTypeName=t%20x", "iot",
           signer=auth.SigV4QueryAuth(CREDS, "iot", "us-east-1", expires=3600)),
]
print(json.dumps({"botocore": botocore.__version__, "vectors": vs}, indent=1))
