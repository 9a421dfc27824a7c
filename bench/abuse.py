#!/usr/bin/env python3
"""Attacks on the release server, one after another, each bounded in count and time, with what
an honest client saw meanwhile. Loopback only; every server started here is stopped by PID.

    cargo build --release -p server && python3 bench/abuse.py

For each attack it prints the attack's own figures, the server's resident set before and at its
peak (VmRSS, VmHWM), and the honest client's view: /healthz answered on a fresh connection every
50 ms (worst latency, statuses) and a WebSocket that sends a sync step 1 every 200 ms and must
get its step 2 back (answers missed, still connected). Python's standard library only.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "server")
MIB = 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, env=None, open_files=None):
        self.dir = tempfile.TemporaryDirectory()
        self.port = free_port()
        full = dict(os.environ, LEPTOS_SITE_ADDR=f"127.0.0.1:{self.port}", RUST_LOG="warn",
                    DATABASE_URL=f"sqlite://{self.dir.name}/abuse.db", **(env or {}))
        cmd = [BIN] if open_files is None else ["sh", "-c", f'ulimit -n {open_files} && exec "$0"', BIN]
        self.proc = subprocess.Popen(cmd, env=full, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise SystemExit("server did not start")

    def status(self, field):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.dir.cleanup()


def request(port, head, body=b"", timeout=5.0):
    """One request on a fresh connection: (status, body text, seconds), status 0 for none."""
    started = time.time()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(head.encode() + body)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        data = b"" if "data" not in locals() else data
    took = time.time() - started
    try:
        status = int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        status = 0
    return status, data.split(b"\r\n\r\n", 1)[-1].decode(errors="replace"), took


def post(path, length, extra=""):
    return f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {length}\r\n{extra}connection: close\r\n\r\n"


def create_board(port):
    """A new board's (id, edit key), or None when refused."""
    status, body, _ = request(port, post("/boards", 0, "accept: application/json\r\n"))
    if status != 201:
        return None
    created = json.loads(body)
    return created["id"], created["keys"]["edit"]


def images_path(board):
    """The upload path of a board from `create_board`, with its edit key."""
    board_id, key = board
    return f"/boards/{board_id}/images?key={key}"


class WebSocket:
    """Just enough of RFC 6455 for binary y-websocket frames."""

    def __init__(self, port, path, xff=None):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = f"x-forwarded-for: {xff}\r\n" if xff else ""
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nupgrade: websocket\r\n"
                           f"connection: upgrade\r\nsec-websocket-key: {key}\r\n"
                           f"sec-websocket-version: 13\r\n{extra}\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("closed during handshake")
            head += chunk
        self.status = int(head.split(b" ", 2)[1])
        self.buf = head.split(b"\r\n\r\n", 1)[1]
        if self.status != 101:
            self.sock.close()

    def send(self, payload):
        mask = os.urandom(4)
        header = bytes([0x82]) + (bytes([0x80 | len(payload)]) if len(payload) < 126
                                  else bytes([0x80 | 126]) + len(payload).to_bytes(2, "big"))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def recv(self):
        """Next frame: (opcode, payload)."""
        def need(n):
            while len(self.buf) < n:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise OSError("closed")
                self.buf += chunk
        need(2)
        opcode, length = self.buf[0] & 0x0F, self.buf[1] & 0x7F
        start = 2
        if length == 126:
            need(4)
            length, start = int.from_bytes(self.buf[2:4], "big"), 4
        elif length == 127:
            need(10)
            length, start = int.from_bytes(self.buf[2:10], "big"), 10
        need(start + length)
        payload, self.buf = self.buf[start:start + length], self.buf[start + length:]
        return opcode, payload


STEP1 = bytes([0, 0, 1, 0])  # sync step 1 with an empty state vector


class Honest:
    """The honest client: /healthz every 50 ms, and a WebSocket asking for step 2 every 200 ms."""

    def __init__(self, port):
        self.port, self.stop = port, threading.Event()
        self.health, self.ws_missed, self.ws_answered, self.ws_closed = [], 0, 0, False
        self.ws = WebSocket(port, "/ws/honest-board")
        self.ws.sock.settimeout(1.0)
        self.threads = [threading.Thread(target=self.probe), threading.Thread(target=self.talk)]
        for t in self.threads:
            t.start()

    def probe(self):
        while not self.stop.wait(0.05):
            status, _, took = request(self.port, "GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n", timeout=3)
            self.health.append((status, took))

    def talk(self):
        while not self.stop.wait(0.2) and not self.ws_closed:
            try:
                self.ws.send(STEP1)
                while True:
                    opcode, payload = self.ws.recv()
                    if opcode == 8:
                        self.ws_closed = True
                        break
                    if opcode == 2 and payload[:2] == b"\x00\x01":
                        self.ws_answered += 1
                        break
            except socket.timeout:
                self.ws_missed += 1
            except OSError:
                self.ws_closed = True

    def report(self):
        self.stop.set()
        for t in self.threads:
            t.join()
        worst = max((t for _, t in self.health), default=0) * 1000
        statuses = sorted({s for s, _ in self.health})
        return (f"honest: /healthz x{len(self.health)} worst {worst:.0f} ms statuses {statuses}; "
                f"websocket {'CLOSED' if self.ws_closed else 'connected'}, "
                f"{self.ws_answered} step 2s, {self.ws_missed} missed")


def run(name, attack, env=None, open_files=None):
    server = Server(env, open_files)
    try:
        honest = Honest(server.port)
        rss_before = server.status("VmRSS")
        figures = attack(server)
        peak = server.status("VmHWM")
        print(f"## {name}\n  {figures}\n  server RSS {rss_before:.1f} MiB before, peak {peak:.1f} MiB\n  {honest.report()}",
              flush=True)
    finally:
        server.stop()


def idle_flood(server):
    held = []
    for _ in range(300):
        try:
            held.append(socket.create_connection(("127.0.0.1", server.port), timeout=1))
        except OSError:
            break
    status, _, took = request(server.port, "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    started = time.time()
    while time.time() - started < 15:
        s, _, _ = request(server.port, "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        if s == 200:
            break
        time.sleep(0.1)
    for s in held:
        s.close()
    return (f"300 idle connections under a 256-descriptor limit: a new client got {status} in "
            f"{took * 1000:.0f} ms; 200 again after {time.time() - started:.1f} s (header timeout 2 s)")


def stalled_uploads(server):
    board = create_board(server.port)
    socks, answers = [], []
    for _ in range(40):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(post(images_path(board), 5 * MIB).encode())
        s.settimeout(0.05)
        try:
            answers.append(int(s.recv(100).split(b" ")[1]))
            s.close()
            continue
        except (socket.timeout, IndexError, ValueError):
            pass
        s.settimeout(5)
        try:
            s.sendall(b"\x89PNG\r\n\x1a\n" + bytes(5 * MIB - 9))
        except OSError:
            pass
        socks.append(s)
    time.sleep(1)
    peak = server.status("VmHWM")
    for s in socks:
        s.close()
    refused = {a: answers.count(a) for a in set(answers)}
    return (f"40 uploads stalled one byte short of 5 MiB: {len(socks)} held, refused before reading {refused}; "
            f"peak RSS with them held {peak:.1f} MiB")


def create_flood(server):
    created = refused = 0
    started = time.time()
    while time.time() - started < 3:
        status, _, _ = request(server.port, post("/boards", 0, "accept: application/json\r\n"))
        created += status == 201
        refused += status == 429
    return f"POST /boards for 3 s from one address: {created} created, {refused} refused with 429"


def upload_flood(server):
    stored = 0
    started = time.time()
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(5 * MIB - 9)
    statuses = {}
    while time.time() - started < 5:
        board = create_board(server.port)
        if board is None:
            statuses["no board"] = statuses.get("no board", 0) + 1
            time.sleep(0.05)
            continue
        status, _, _ = request(server.port, post(images_path(board), len(image)), image, timeout=10)
        statuses[status] = statuses.get(status, 0) + 1
        stored += len(image) if status == 201 else 0
    took = time.time() - started
    return f"5 MiB images to fresh boards for 5 s: {stored / MIB / took:.1f} MiB/s stored, answers {statuses}"


def upgrade_flood(server):
    results = []
    lock = threading.Lock()
    socks = []

    def one():
        try:
            ws = WebSocket(server.port, "/ws/crowded-board")
            with lock:
                results.append(ws.status)
                socks.append(ws.sock)
        except OSError:
            with lock:
                results.append(0)

    threads = [threading.Thread(target=one) for _ in range(300)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in socks:
        s.close()
    counts = {s: results.count(s) for s in set(results)}
    return f"300 concurrent upgrades to one board from one address: answers {counts}"


def slow_headers(server):
    socks = []
    for _ in range(50):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        socks.append(s)
    started = time.time()
    for s in socks:
        s.settimeout(15)
        try:
            s.recv(10)
        except OSError:
            pass
        s.close()
    return f"50 requests with headers never finished: all closed after {time.time() - started:.1f} s (header timeout 2 s)"


def trickle_and_giant(server):
    board = create_board(server.port)
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(post(images_path(board), 1000).encode() + b"\x89PNG\r\n\x1a\n")
    started = time.time()
    s.settimeout(0.2)
    answer = b""
    while time.time() - started < 10 and not answer:
        try:
            s.sendall(b"x")
            answer = s.recv(100)
        except socket.timeout:
            continue
        except OSError:
            break
    trickle = f"{answer.split(b' ')[1].decode() if answer else 'none'} after {time.time() - started:.1f} s"
    giant, _, took = request(server.port, post(images_path(board), 10 * 1024 ** 3))
    missing, _, took404 = request(server.port, post("/boards/AAAAAAAAAAAAAAAAAAAAAA/images", 4 * MIB))
    return (f"upload trickled a byte per 0.2 s: {trickle} (body timeout 3 s); "
            f"10 GB Content-Length: {giant} in {took * 1000:.0f} ms; 4 MiB to a board that does not exist: "
            f"{missing} in {took404 * 1000:.0f} ms (no body sent)")


def origins(server):
    port = server.port
    out = []
    for host, origin in [(f"127.0.0.1:{port}", f"chrome-extension://127.0.0.1:{port}"),
                         (f"evil.example:{port}", f"http://evil.example:{port}"),
                         (f"127.0.0.1:{port}", "https://evil.example")]:
        status, _, _ = request(port, f"POST /boards HTTP/1.1\r\nhost: {host}\r\norigin: {origin}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        out.append(f"{origin} -> {status}")
    status, _, _ = request(port, "GET /metrics HTTP/1.1\r\nhost: x\r\nx-forwarded-for: 203.0.113.5\r\nconnection: close\r\n\r\n")
    out.append(f"/metrics via the proxy from 203.0.113.5 -> {status}")
    return "POST /boards from " + "; ".join(out)


if __name__ == "__main__":
    if not os.path.exists(BIN):
        sys.exit("build first: cargo build --release -p server")
    short = {"WB_HEADER_TIMEOUT_SECS": "2", "WB_BODY_TIMEOUT_SECS": "3"}
    run("idle connections past the descriptor limit", idle_flood, short, open_files=256)
    run("stalled uploads", stalled_uploads, short)
    run("slow headers", slow_headers, short)
    run("trickled body, giant Content-Length, unknown board", trickle_and_giant, short)
    run("board creation flood", create_flood)
    run("upload flood to fresh boards", upload_flood)
    run("concurrent upgrades to one board", upgrade_flood)
    run("origins and metrics", origins, {"WB_TRUSTED_PROXIES": "127.0.0.1"})
