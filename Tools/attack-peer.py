#!/usr/bin/env python3
"""Resource bounds of the central peer under hostile input (docs/RELIABILITY.md, "Hostile input: resource
bounds").

Starts a real `fieldbook serve` on 127.0.0.1 for each attack, enrols devices through the protocol, and sends
requests built from Protocol/SPEC.md alone (frames, zlib, protobuf wire format written by hand here), as a
third-party client would. For each attack it reports the peer's peak resident memory (VmHWM from
/proc/PID/status), its resident memory afterwards, how long the attack took and what the peer answered.

    Tools/attack-peer.py --fieldbook .build/debug/fieldbook [--database SERVER_URL] [ATTACK ...]

With `--database postgres://USER@HOST:PORT/DB`, each attack runs against a peer on PostgreSQL: a fresh
database made on that server for the attack (with psql) and dropped after it. Without, a fresh data folder.
The memory reported is the peer process's own, not the database server's.

Attacks: flat-bomb nested-bomb ref-bomb held-bomb unauth-bodies enrol-body big-pushes idle slow-headers
cursor. With none given, all run. Everything stays on 127.0.0.1, and every loop is bounded.
"""

import argparse
import http.client
import os
import random
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import zlib

MiB = 1024 * 1024
MAX_BODY = 8 * MiB          # SPEC §7: body on the wire
MAX_MESSAGE = 32 * MiB      # SPEC §7: message after inflation


# --- Protobuf wire format (proto3), by hand ---------------------------------------------------------------

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_bytes(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def field_text(number, text):
    return field_bytes(number, text.encode())


def frame(message, compress=True, level=6):
    """SPEC §4: "FB", version 1, flags (0x01 = zlib without the preset dictionary), u32 length, payload."""
    payload = zlib.compress(message, level) if compress else message
    return b"FB" + bytes([1, 1 if compress else 0]) + struct.pack(">I", len(message)) + payload


def unframe(body):
    if len(body) < 8 or body[:2] != b"FB":
        return b""
    length = struct.unpack(">I", body[4:8])[0]
    payload = body[8:]
    if body[3] & 1:
        d = zlib.decompressobj(zdict=PRESET_DICTIONARY) if body[3] & 2 else zlib.decompressobj()
        payload = d.decompress(payload, length + 1)
    return payload


def read_fields(message):
    """Top-level fields of a message: {number: [value, ...]} (varints as ints, length-delimited as bytes)."""
    fields, i = {}, 0
    while i < len(message):
        key, i = read_varint(message, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = read_varint(message, i)
        elif wire == 2:
            length, i = read_varint(message, i)
            value, i = message[i:i + length], i + length
        elif wire == 1:
            value, i = message[i:i + 8], i + 8
        elif wire == 5:
            value, i = message[i:i + 4], i + 4
        else:
            break
        fields.setdefault(number, []).append(value)
    return fields


def read_varint(data, i):
    shift = result = 0
    while i < len(data) and shift < 70:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    return result, i


def error_code(body):
    fields = read_fields(unframe(body))
    return fields.get(1, [b"?"])[0].decode(errors="replace")


PRESET_DICTIONARY = (
    b"occurred_atrecorded_atplacement_startplan_startchild_namecategoryworkerdobCINCPCLAPF"
    b"target_idreasoncorrecteddelete_reasonbedroom_seenpresentlocationobservationsanalysisactions"
    b"alone_reasonrefusedinappropriateunableunannouncedplannedreviewotherphonemeetingemailletter"
    b"direct-workgeneralamendmentcasenotevisitcreateeditfinalisedeleteresolvewishesseen_aloneseen"
    b"yesnostatutorystatusdraftfinal" + b"0" * 64 + b"T00:00:00.000Z2026-")


# --- The peer under test -----------------------------------------------------------------------------------

class Peer:
    """A `fieldbook serve` process with users sam (worker) and lee (worker), each with an enrolled device."""

    def __init__(self, binary, server=None):
        self.binary = binary
        self.folder = tempfile.mkdtemp(prefix="fieldbook-attack-")
        self.server = server
        if server:
            # A database of its own on the server, named for this attack, dropped by stop().
            self.database_name = f"fieldbook_attack_{random.randrange(1 << 30):08x}"
            subprocess.run(["psql", server, "-qc", f"CREATE DATABASE {self.database_name}"], check=True,
                           capture_output=True)
            url = urllib.parse.urlsplit(server)
            self.storage = ["--database", urllib.parse.urlunsplit(url._replace(path="/" + self.database_name))]
        else:
            self.storage = ["--data", self.folder]
        for user in ("sam", "lee"):
            self.admin("user", "add", user, "--role", "worker", "--team", "north")
        self.admin("case", "add", "LA-1", "--child", "Child one", "--dob", "2015-01-01", "--category", "CP",
                   "--worker", "lee")
        self.process = subprocess.Popen(
            [binary, "serve", *self.storage, "--listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=dict(os.environ, LOG_LEVEL="error"))
        line = self.process.stdout.readline().decode()
        match = re.search(r":(\d+)\s*$", line)
        if not match:
            raise SystemExit(f"the peer did not start: {line!r}")
        self.port = int(match.group(1))
        self.tokens = {user: self.enrol(user) for user in ("sam", "lee")}

    def admin(self, *arguments):
        return subprocess.run([self.binary, "admin", *self.storage, *arguments], check=True,
                              capture_output=True, text=True).stdout

    def enrol(self, user):
        code = self.admin("user", "code", user).split()[-1]
        device = f"attack-{user}-{random.randrange(1 << 30):08x}"
        request = field_text(1, code) + field_text(2, device) + field_text(3, "attack") + field_varint(4, 1)
        status, body, _ = self.post("/v1/enrol", frame(request))
        if status != 200:
            raise SystemExit(f"enrolment of {user} failed: HTTP {status} {error_code(body)}")
        self.device = getattr(self, "device", {})
        self.device[user] = device
        return read_fields(unframe(body))[1][0].decode()

    def post(self, path, body, token=None, timeout=120):
        """POSTs a body; returns (status, answer body, seconds). Status 0 when the connection failed."""
        start = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            headers = {"Content-Type": "application/x-fieldbook-frame"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            connection.close()
            return response.status, answer, time.monotonic() - start
        except (OSError, http.client.HTTPException):
            return 0, b"", time.monotonic() - start

    def memory(self):
        """(VmRSS, VmHWM) in MiB, or None once the process has gone."""
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                text = status.read()
        except OSError:
            return None
        values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M))
        return int(values["VmRSS"]) / 1024, int(values["VmHWM"]) / 1024

    @property
    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.server:
            subprocess.run(["psql", self.server, "-qc", f"DROP DATABASE IF EXISTS {self.database_name} WITH (FORCE)"],
                           capture_output=True)


def pull_request(cursor=0):
    return field_varint(1, cursor) + field_varint(2, 1000) + field_text(3, "LA-1")


# --- Attacks ----------------------------------------------------------------------------------------------
# Each returns a line describing what the peer answered.

def flat_bomb(peer):
    """A push of 16,777,216 empty changes: 32 MiB of `0a 00`, about 32 KiB compressed."""
    body = frame(b"\x0a\x00" * (MAX_MESSAGE // 2), level=9)
    status, answer, seconds = peer.post("/v1/push", body, peer.tokens["sam"])
    return f"{len(body) // 1024} KiB body: HTTP {status} {error_code(answer)} after {seconds:.2f} s"


def nested_bomb(peer):
    """One change holding 16.7 million empty field writes (a limit checked only at the top would pass it)."""
    writes = b"\x4a\x00" * ((MAX_MESSAGE - 8) // 2)
    body = frame(field_bytes(1, writes), level=9)
    status, answer, seconds = peer.post("/v1/push", body, peer.tokens["sam"])
    return f"{len(body) // 1024} KiB body: HTTP {status} {error_code(answer)} after {seconds:.2f} s"


def ref_bomb(peer):
    """Every list within its own bound (64 writes, 4096 supersedes each) but 16 million ids in all."""
    write = field_text(1, "body") + b"\x1a\x00" * 4096
    change = field_bytes(9, write) * 64
    count = MAX_MESSAGE // len(field_bytes(1, change))
    body = frame(field_bytes(1, change) * count, level=9)
    status, answer, seconds = peer.post("/v1/push", body, peer.tokens["sam"])
    return f"{count} changes, {len(body) // 1024} KiB body: HTTP {status} {error_code(answer)} after {seconds:.2f} s"


def held_bomb(peer):
    """A pull naming 16.7 million empty held cases."""
    body = frame(b"\x1a\x00" * (MAX_MESSAGE // 2), level=9)
    status, answer, seconds = peer.post("/v1/pull", body, peer.tokens["sam"])
    return f"{len(body) // 1024} KiB body: HTTP {status} {error_code(answer)} after {seconds:.2f} s"


def hold_connections(peer, count, path, body_bytes, token):
    """Opens `count` connections that each send a whole request with a `body_bytes` body and then keep the
    connection open without reading. Returns the sockets."""
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-fieldbook-frame\r\n"
            f"Content-Length: {body_bytes}\r\n" + (f"Authorization: Bearer {token}\r\n" if token else "") + "\r\n")
    chunk = b"FB\x01\x00" + b"\x00" * (MiB - 4)
    sockets = []
    errors = []

    def send(index):
        try:
            s = socket.create_connection(("127.0.0.1", peer.port), timeout=60)
            sockets.append(s)
            s.sendall(head.encode())
            sent = 0
            while sent < body_bytes:
                piece = chunk[:min(len(chunk), body_bytes - sent)]
                s.sendall(piece)
                sent += len(piece)
        except OSError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    return sockets, errors


def unauth_bodies(peer):
    """100 connections with a wrong token, each sending an 8 MiB push body and holding the connection."""
    start = time.monotonic()
    sockets, errors = hold_connections(peer, 100, "/v1/push", MAX_BODY, "0" * 64)
    sent = time.monotonic() - start
    time.sleep(3)
    held = peer.memory()
    for s in sockets:
        s.close()
    time.sleep(5)
    after = peer.memory()
    return (f"{len(sockets)} connections sent {MAX_BODY // MiB} MiB each in {sent:.1f} s ({len(errors)} cut off by "
            f"the peer); RSS {held[0]:.0f} MiB while held, {after[0]:.0f} MiB 5 s after they closed")


def enrol_body(peer):
    """20 unauthenticated enrolments with an 8 MiB body each (enrolment takes no token)."""
    start = time.monotonic()
    sockets, errors = hold_connections(peer, 20, "/v1/enrol", MAX_BODY, None)
    seconds = time.monotonic() - start
    held = peer.memory()
    for s in sockets:
        s.close()
    return f"20 connections in {seconds:.1f} s ({len(errors)} cut off by the peer); RSS {held[0]:.0f} MiB while held"


def big_push(device, seq_base, changes=500):
    """The largest push of well-formed changes with 64 KiB values (hashes wrong, so they are quarantined) that
    fits a body of 8 MiB: about 32 MiB inflated."""
    rng = random.Random(seq_base)
    letters = bytes(b"acgt"[b & 3] for b in range(256))
    encoded = []
    for i in range(changes):
        value = rng.randbytes(16384).translate(letters) * 4  # 64 KiB of a c g t: compresses about 4:1
        write = field_text(1, "body") + field_bytes(2, value)
        change = (field_bytes(1, field_text(1, device) + field_varint(2, seq_base + i))
                  + field_varint(2, (1795000000000 << 16)) + field_text(3, "2026-11-20T12:00:00.000Z")
                  + field_text(4, "sam") + field_text(5, f"rec-{seq_base + i}") + field_text(6, "note")
                  + field_text(7, "LA-1") + field_text(8, "create") + field_bytes(9, write)
                  + field_text(11, "0" * 64) + field_text(12, "f" * 64))
        encoded.append(field_bytes(1, change))
    count = len(encoded)
    while count > 1 and (len(b"".join(encoded[:count])) > MAX_MESSAGE or len(frame(b"".join(encoded[:count]))) > MAX_BODY):
        count -= 8
    return b"".join(encoded[:count])


def big_pushes(peer):
    """Three pushes of just under 8 MiB (32 MiB inflated) at once, while another device pulls."""
    quiet = sorted(peer.post("/v1/pull", frame(pull_request()), peer.tokens["lee"])[2] for _ in range(5))[2]
    bodies = []
    for n in range(3):
        bodies.append(frame(big_push(peer.device["sam"], 1 + n * 1000)))
    results = {}

    def push(n):
        results[n] = peer.post("/v1/push", bodies[n], peer.tokens["sam"], timeout=300)

    threads = [threading.Thread(target=push, args=(n,)) for n in range(3)]
    start = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(0.5)
    pulls = []
    while any(t.is_alive() for t in threads) and len(pulls) < 400:
        status, _, seconds = peer.post("/v1/pull", frame(pull_request()), peer.tokens["lee"])
        pulls.append((status, seconds))
        time.sleep(0.05)
    for t in threads:
        t.join(timeout=300)
    total = time.monotonic() - start
    slowest = max((s for _, s in pulls), default=0)
    pushes = ", ".join(f"{results[n][0]} {error_code(results[n][1]) if results[n][0] != 200 else 'ok'} "
                       f"{results[n][2]:.1f} s" for n in range(3))
    statuses = sorted(set(status for status, _ in pulls))
    return (f"bodies {', '.join(str(len(b) // 1024) for b in bodies)} KiB; pushes: {pushes}; all done in {total:.1f} s; "
            f"lee's pull alone {quiet * 1000:.0f} ms, during the pushes {len(pulls)} pulls, slowest "
            f"{slowest * 1000:.0f} ms, statuses {statuses}")


def idle(peer):
    """20 connections that send nothing: are they closed, and when?"""
    sockets = [socket.create_connection(("127.0.0.1", peer.port)) for _ in range(20)]
    start = time.monotonic()
    closed = {}
    for s in sockets:
        s.setblocking(False)
    while len(closed) < len(sockets) and time.monotonic() - start < 90:
        for index, s in enumerate(sockets):
            if index in closed:
                continue
            try:
                if s.recv(1) == b"":
                    closed[index] = time.monotonic() - start
            except BlockingIOError:
                pass
            except OSError:
                closed[index] = time.monotonic() - start
        time.sleep(0.1)
    for s in sockets:
        s.close()
    if not closed:
        return "none of 20 idle connections was closed within 90 s"
    return f"{len(closed)} of 20 idle connections closed by the peer, after {max(closed.values()):.1f} s at most"


def slow_headers(peer):
    """A request whose headers arrive one byte every 2 seconds (slowloris)."""
    s = socket.create_connection(("127.0.0.1", peer.port))
    text = b"POST /v1/pull HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200
    start = time.monotonic()
    for byte in text:
        try:
            s.sendall(bytes([byte]))
        except OSError:
            return f"the peer closed the connection after {time.monotonic() - start:.1f} s"
        s.settimeout(2)
        try:
            if s.recv(1024) == b"":
                return f"the peer closed the connection after {time.monotonic() - start:.1f} s"
        except socket.timeout:
            pass
        if time.monotonic() - start > 120:
            break
    s.close()
    return f"still open after {time.monotonic() - start:.0f} s"


def cursor(peer):
    """A pull with cursor 2^63 from an enrolled device that holds a case."""
    status, answer, seconds = peer.post("/v1/pull", frame(pull_request(1 << 63)), peer.tokens["lee"])
    time.sleep(1)
    state = "still running" if peer.alive else f"exited with {peer.process.returncode}"
    code = "(no answer)" if not status else "ok" if status == 200 else error_code(answer)
    return f"HTTP {status} {code}; the peer {state}"


ATTACKS = {
    "flat-bomb": flat_bomb, "nested-bomb": nested_bomb, "ref-bomb": ref_bomb, "held-bomb": held_bomb,
    "unauth-bodies": unauth_bodies, "enrol-body": enrol_body, "big-pushes": big_pushes, "idle": idle,
    "slow-headers": slow_headers, "cursor": cursor,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fieldbook", default=".build/debug/fieldbook", help="the fieldbook binary to serve with")
    parser.add_argument("--database", metavar="SERVER_URL",
                        help="a PostgreSQL server (postgres://USER@HOST:PORT/DB) to make each attack's database on")
    parser.add_argument("attacks", nargs="*", help=f"attacks to run (default: all): {' '.join(ATTACKS)}")
    options = parser.parse_args()
    names = options.attacks or list(ATTACKS)
    unknown = [name for name in names if name not in ATTACKS]
    if unknown:
        parser.error(f"unknown attack {unknown[0]}; choose from {' '.join(ATTACKS)}")
    print(f"{'attack':14} {'peak RSS':>9} {'RSS after':>9} {'seconds':>8}  answer")
    for name in names:
        peer = Peer(options.fieldbook, options.database)
        try:
            baseline = peer.memory()
            start = time.monotonic()
            outcome = ATTACKS[name](peer)
            seconds = time.monotonic() - start
            memory = peer.memory()
            peak = f"{memory[1]:.0f} MiB" if memory else "(gone)"
            now = f"{memory[0]:.0f} MiB" if memory else "(gone)"
            print(f"{name:14} {peak:>9} {now:>9} {seconds:8.1f}  {outcome} [idle RSS {baseline[0]:.0f} MiB]"
                  + ("" if peer.alive else " — THE PEER EXITED"), flush=True)
        finally:
            peer.stop()


if __name__ == "__main__":
    main()
