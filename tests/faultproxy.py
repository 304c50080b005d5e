#!/usr/bin/env python3
"""A fault-injecting HTTP proxy between ssosetup and moto, for tests.

    faultproxy.py --upstream http://127.0.0.1:PORT --log FILE [options]

Prints "PORT <n>" on its first line of stdout once it listens on loopback.
Appends one JSON line per request to FILE: {"op", "service", "fault"}.

Faults (all seeded, so a run can be repeated):
  --error-rate R     a share of requests answered HTTP 500; half of them
                     after moto has processed the request (the answer is
                     lost, the change is made), half before
  --drop-rate R      a share of connections closed without an answer, after
                     moto has processed the request
  --rate SERVICE=N   at most N requests per second per AWS service (its
                     SigV4 scope: sso, identitystore, organizations, iam,
                     sts); beyond it the answer is AWS's throttling error
  --rate-per-op SERVICE=N
                     the same, but per API of that service (identitystore's
                     limit is per API)
  --in-progress-polls N
                     CreateAccountAssignment answers IN_PROGRESS; its status
                     is IN_PROGRESS for the first N polls, then moto's (as on
                     AWS, a creation also completes on its own: after
                     --in-progress-seconds, default 1, polled or not)
  --max-outstanding N
                     at most N assignment creations IN_PROGRESS at once;
                     more are refused with a throttling error
  --slow-ms N        every answer is delayed by N ms
"""

import argparse
import json
import random
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--error-rate", type=float, default=0.0)
    p.add_argument("--drop-rate", type=float, default=0.0)
    p.add_argument("--rate", action="append", default=[])
    p.add_argument("--rate-per-op", action="append", default=[])
    p.add_argument("--in-progress-polls", type=int, default=0)
    p.add_argument("--in-progress-seconds", type=float, default=1.0)
    p.add_argument("--max-outstanding", type=int, default=0)
    p.add_argument("--slow-ms", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


ARGS = parse_args()
RNG = random.Random(ARGS.seed)
RATES = {k: float(v) for k, v in (r.split("=", 1) for r in ARGS.rate)}
PER_OP_RATES = {k: float(v) for k, v in (r.split("=", 1) for r in ARGS.rate_per_op)}
WINDOWS = {}  # service -> list of request times in the last second
POLLS = {}  # assignment request id -> polls left answered IN_PROGRESS
OUTSTANDING = {}  # request id IN_PROGRESS -> when it was created


def outstanding_now():
    """Creations still IN_PROGRESS: not polled to the end, and young."""
    now = time.monotonic()
    for rid, t in list(OUTSTANDING.items()):
        if now - t >= ARGS.in_progress_seconds:
            del OUTSTANDING[rid]
    return len(OUTSTANDING)


def service_of(headers):
    m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", headers.get("Authorization", ""))
    return m.group(1) if m else "unknown"


def operation_of(headers, body):
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    m = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body or b"")
    return m.group(1).decode() if m else "unknown"


def throttled(service, op):
    limit = RATES.get(service)
    if not limit and service in PER_OP_RATES:
        limit = PER_OP_RATES[service]
        service = service + ":" + op
    if not limit:
        return False
    now = time.monotonic()
    with LOCK:
        window = [t for t in WINDOWS.get(service, []) if now - t < 1.0]
        if len(window) >= limit:
            WINDOWS[service] = window
            return True
        window.append(now)
        WINDOWS[service] = window
        return False


def is_query(service):
    return service in ("iam", "sts")


def error_body(service, code, message):
    if is_query(service):
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>fault</RequestId></ErrorResponse>" % (code, message)
        ).encode()
        return body, "text/xml"
    return json.dumps({"__type": code, "message": message}).encode(), "application/x-amz-json-1.1"


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self, op, service, fault):
        with LOCK:
            with open(ARGS.log, "a") as f:
                f.write(json.dumps({"op": op, "service": service, "fault": fault}) + "\n")

    def answer(self, status, body, content_type, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def drop(self):
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    def forward(self, body):
        req = urllib.request.Request(ARGS.upstream + self.path, data=body, method=self.command)
        for k, v in self.headers.items():
            if k.lower() not in ("host", "content-length", "connection"):
                req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        service = service_of(self.headers)
        op = operation_of(self.headers, body)
        if ARGS.slow_ms:
            time.sleep(ARGS.slow_ms / 1000.0)
        if throttled(service, op):
            self.record(op, service, "throttle")
            code = "Throttling" if is_query(service) else "ThrottlingException"
            b, ct = error_body(service, code, "Rate exceeded")
            return self.answer(400, b, ct)
        with LOCK:
            roll = RNG.random()
        if roll < ARGS.error_rate / 2:
            self.record(op, service, "500-before")
            b, ct = error_body(service, "InternalFailure", "injected failure")
            return self.answer(500, b, ct)

        if op == "CreateAccountAssignment" and ARGS.max_outstanding:
            with LOCK:
                full = outstanding_now() >= ARGS.max_outstanding
            if full:
                self.record(op, service, "outstanding-limit")
                b, ct = error_body(service, "ThrottlingException", "Too many outstanding requests")
                return self.answer(400, b, ct)

        status, rbody, rheaders = self.forward(body)

        if roll < ARGS.error_rate:
            self.record(op, service, "500-after")
            b, ct = error_body(service, "InternalFailure", "injected failure after the change")
            return self.answer(500, b, ct)
        if roll < ARGS.error_rate + ARGS.drop_rate:
            self.record(op, service, "drop")
            return self.drop()

        fault = None
        if status == 200 and ARGS.in_progress_polls and op == "CreateAccountAssignment":
            doc = json.loads(rbody)
            status_doc = doc.setdefault("AccountAssignmentCreationStatus", {})
            rid = status_doc.get("RequestId") or "req-%d" % RNG.randrange(1 << 30)
            status_doc["RequestId"] = rid
            status_doc["Status"] = "IN_PROGRESS"
            with LOCK:
                POLLS[rid] = ARGS.in_progress_polls
                OUTSTANDING[rid] = time.monotonic()
            rbody = json.dumps(doc).encode()
            fault = "in-progress"
        elif op == "DescribeAccountAssignmentCreationStatus":
            rid = json.loads(body or b"{}").get("AccountAssignmentCreationRequestId")
            with LOCK:
                left = POLLS.get(rid, 0)
                if left > 0:
                    POLLS[rid] = left - 1
            if left > 0:
                fault = "in-progress"
                doc = {"AccountAssignmentCreationStatus": {"RequestId": rid, "Status": "IN_PROGRESS"}}
                rbody = json.dumps(doc).encode()
                status = 200
            else:
                with LOCK:
                    OUTSTANDING.pop(rid, None)
                if status == 200:
                    doc = json.loads(rbody)
                    doc.setdefault("AccountAssignmentCreationStatus", {})["Status"] = "SUCCEEDED"
                    rbody = json.dumps(doc).encode()
        self.record(op, service, fault)
        ct = rheaders.get("Content-Type", "application/json")
        self.answer(status, rbody, ct, {k: v for k, v in rheaders.items() if k.lower().startswith("x-amz")})

    do_POST = handle_any
    do_GET = handle_any
    do_PUT = handle_any
    do_DELETE = handle_any


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
