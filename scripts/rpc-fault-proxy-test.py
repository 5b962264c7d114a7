#!/usr/bin/env python3
# rpc-fault-proxy-test.py: the self-test of scripts/rpc-fault-proxy.py, with no node: a tiny
# fake upstream (a websockets server on 127.0.0.1) answers every JSON-RPC request, as a node
# would in shape (author_submitAndWatchExtrinsic: a subscription id, then "ready" and
# {"inBlock": ...} notifications; author_submitExtrinsic: a hash; anything else: its method and
# a sequence number), and the proxy runs as a subprocess with fixed seeds in front of it.
#
# It checks the faults the soak relies on: submissions dropped at the rate asked (binomial
# bounds), in the three modes taken in turn (a pool's error 1014, a "dropped" update, silence:
# a node's pool rejecting or dropping an extrinsic, a submission whose fate the client cannot
# know), never reaching the node, in single requests and in batches; every other request
# answered exactly once; with every answer delayed (a slow node), the order per connection
# kept and some answer late by 50 ms or more; a 2 MiB message passing both ways; the node
# going away closing the client's connection and a refused handshake while it is down; the
# same seed making the same choices; the stats file; SIGTERM stopping the proxy within 2 s.
#
# Usage: python3 scripts/rpc-fault-proxy-test.py   (under 30 s; needs websockets 15:
#        python3 -m pip install --quiet 'websockets==15.0.1')
# Prints `rpc-fault-proxy-test: N passed, M failed` and exits 1 when a check failed.
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time

PIP_COMMAND = "python3 -m pip install --quiet 'websockets==15.0.1'"
try:
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed, InvalidStatus
except ImportError as error:
    sys.stderr.write(f"rpc-fault-proxy-test: websockets 15 is missing ({error}); install it with:\n  {PIP_COMMAND}\n")
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "rpc-fault-proxy.py")
WATCH = "author_submitAndWatchExtrinsic"
SUBMIT = "author_submitExtrinsic"
MODES = ("error", "dropped", "silent")
BIG = 2 * 1024 * 1024
WORK = tempfile.mkdtemp(prefix="rpc-fault-proxy-test.")

results = []


def check(name, ok, detail=""):
    results.append(bool(ok))
    print(f"    {'ok' if ok else 'FAILED'}: {name}" + ("" if ok or not detail else f" ({detail})"), flush=True)


class FakeNode:
    """Answers every request; records what reached it. Survives stop()/start() (a restart)."""

    def __init__(self):
        self.server = None
        self.port = 0
        self.received = []  # (method, id) of every request that reached the node
        self.seq = 0

    async def start(self):
        self.server = await serve(
            self.handler, "127.0.0.1", self.port, max_size=None, compression=None,
            ping_interval=None, close_timeout=1,
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self):
        self.server.close()
        await self.server.wait_closed()

    def answer(self, request):
        method, rid = request.get("method"), request.get("id")
        self.received.append((method, rid))
        self.seq += 1
        notes = []
        if method == WATCH:
            sub = f"fakeSub{self.seq:09d}"
            result = sub
            for update in ("ready", {"inBlock": "0x" + f"{self.seq:064x}"}):
                notes.append({"jsonrpc": "2.0", "method": "author_extrinsicUpdate",
                              "params": {"subscription": sub, "result": update}})
        elif method == SUBMIT:
            result = "0x" + f"{self.seq:064x}"
        elif method == "test_big":
            result = "y" * len(request["params"][0])
        else:
            result = {"method": method, "seq": self.seq, "sent": time.monotonic()}
        if "id" not in request:
            return None, notes
        return {"jsonrpc": "2.0", "id": rid, "result": result}, notes

    async def handler(self, ws):
        try:
            async for message in ws:
                data = json.loads(message)
                if isinstance(data, list):
                    answers, notes = [], []
                    for request in data:
                        a, n = self.answer(request)
                        if a is not None:
                            answers.append(a)
                        notes += n
                    if answers:
                        await ws.send(json.dumps(answers))
                else:
                    a, notes = self.answer(data)
                    if a is not None:
                        await ws.send(json.dumps(a))
                for note in notes:
                    await ws.send(json.dumps(note))
        except ConnectionClosed:
            pass


class ProxyProcess:
    def __init__(self, name, upstream_port, *options):
        self.name = name
        self.stats = os.path.join(WORK, f"{name}.stats.json")
        self.log = os.path.join(WORK, f"{name}.log")
        self.args = [sys.executable, PROXY, "--listen-port", "0", "--upstream",
                     f"ws://127.0.0.1:{upstream_port}", "--stats", self.stats, "-v", *options]
        self.proc = None
        self.port = None

    async def start(self):
        self.proc = await asyncio.create_subprocess_exec(
            *self.args, stdout=asyncio.subprocess.PIPE, stderr=open(self.log, "w"))
        line = await asyncio.wait_for(self.proc.stdout.readline(), 10)
        text = line.decode().strip()
        if "listening on ws://127.0.0.1:" not in text:
            raise RuntimeError(f"{self.name} did not start: {text!r}; log {self.log}")
        self.port = int(text.rsplit(":", 1)[1])

    async def terminate(self):
        """SIGTERM; seconds until it exited (None if it did not within 5 s) and its status."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = await asyncio.wait_for(self.proc.wait(), 5)
        except (TimeoutError, asyncio.TimeoutError):
            return None, None
        return time.monotonic() - started, status

    def kill(self):
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

    def read_stats(self):
        with open(self.stats) as f:
            return json.load(f)


async def client(port):
    return await connect(f"ws://127.0.0.1:{port}", max_size=None, compression=None,
                         ping_interval=None, close_timeout=1, proxy=None, open_timeout=5)


async def read_until_answer(ws, barrier_id, timeout=10.0):
    """Every message (parsed, with its arrival time) up to the answer to barrier_id."""
    got = []
    deadline = time.monotonic() + timeout
    while True:
        message = await asyncio.wait_for(ws.recv(), max(0.01, deadline - time.monotonic()))
        data = json.loads(message)
        got.append((time.monotonic(), data))
        if isinstance(data, dict) and data.get("id") == barrier_id:
            return got


def request(rid, method, params=None):
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or []})


def classify(method, answers, notes_by_sub):
    """What became of one submission, from the answers carrying its id."""
    if not answers:
        return "silent"
    if len(answers) > 1:
        return "bad: answered twice"
    a = answers[0]
    if "error" in a:
        return "error" if a["error"].get("code") == 1014 else f"bad: {a['error']}"
    notes = notes_by_sub.get(a.get("result"), [])
    if method == WATCH:
        if notes == ["dropped"]:
            return "dropped"
        if len(notes) == 2 and notes[0] == "ready" and "inBlock" in notes[1]:
            return "forwarded"
        return f"bad: notifications {notes}"
    return "forwarded" if isinstance(a.get("result"), str) and not notes else f"bad: {a}"


async def drop_run(port, fake):
    """300 submissions (every 5th author_submitExtrinsic), each followed by another request,
    pipelined on one connection. Returns {id: fate}, the methods, and the other checks' data."""
    before = len(fake.received)
    ws = await client(port)
    methods = {}
    for i in range(1, 301):
        methods[i] = SUBMIT if i % 5 == 0 else WATCH
        await ws.send(request(i, methods[i], [f"0x{i:08x}"]))
        await ws.send(request(1000 + i, "chain_getBlockHash", [i]))
    await ws.send(request(9999, "system_health"))
    got = await read_until_answer(ws, 9999)
    await ws.close()
    by_id, notes_by_sub, stray = {}, {}, []
    for _, data in got:
        if "id" in data:
            by_id.setdefault(data["id"], []).append(data)
        elif data.get("method") == "author_extrinsicUpdate":
            notes_by_sub.setdefault(data["params"]["subscription"], []).append(data["params"]["result"])
        else:
            stray.append(data)
    fates = {i: classify(methods[i], by_id.get(i, []), notes_by_sub) for i in methods}
    others_ok = all(
        len(by_id.get(rid, [])) == 1 and by_id[rid][0].get("result", {}).get("method") == method
        for rid, method in [(1000 + i, "chain_getBlockHash") for i in methods] + [(9999, "system_health")]
    )
    unknown = sorted(set(by_id) - set(methods) - {1000 + i for i in methods} - {9999})
    reached = {rid for method, rid in fake.received[before:] if method in (WATCH, SUBMIT)}
    return fates, methods, others_ok, unknown + stray, reached


def expected_modes(fates, methods):
    """The round robin: the k-th drop takes MODES[k % 3]; the plain method has no 'dropped'."""
    out, k = {}, 0
    for i in sorted(fates):
        if fates[i] != "forwarded":
            mode = MODES[k % 3]
            out[i] = "error" if mode == "dropped" and methods[i] != WATCH else mode
            k += 1
    return out


async def batch_run(port, fake):
    """25 batches: 20 of 4 watch + 1 plain submission + 2 reads, 5 of 2 watch submissions only.
    Returns the drops by mode and the failures seen."""
    ws = await client(port)
    drops = {m: 0 for m in MODES}
    failures = []
    before = len(fake.received)
    dropped_ids = set()
    for b in range(25):
        batch = []
        if b < 20:
            batch += [{"jsonrpc": "2.0", "id": f"b{b}-w{k}", "method": WATCH, "params": [f"0x{b:02x}{k:02x}"]} for k in range(4)]
            batch.append({"jsonrpc": "2.0", "id": f"b{b}-s", "method": SUBMIT, "params": ["0x00"]})
            batch += [{"jsonrpc": "2.0", "id": f"b{b}-r{k}", "method": "state_getStorage", "params": ["0x26aa"]} for k in range(2)]
        else:
            batch += [{"jsonrpc": "2.0", "id": f"b{b}-w{k}", "method": WATCH, "params": ["0x01"]} for k in range(2)]
        await ws.send(json.dumps(batch))
        barrier = f"barrier-{b}"
        await ws.send(request(barrier, "system_health"))
        got = [d for _, d in await read_until_answer(ws, barrier)]
        arrays = [(n, d) for n, d in enumerate(got) if isinstance(d, list)]
        answered = {a["id"]: a for _, d in arrays for a in d}
        notes = {}
        for n, d in enumerate(got):
            if isinstance(d, dict) and d.get("method") == "author_extrinsicUpdate":
                notes.setdefault(d["params"]["subscription"], []).append((n, d["params"]["result"]))
        silent = [e["id"] for e in batch if e["id"] not in answered]
        if len(arrays) > 1 or (not arrays and len(silent) < len(batch)):
            failures.append(f"batch {b}: {len(arrays)} array answers")
            continue
        for e in batch:
            rid, method = e["id"], e["method"]
            if rid not in answered:
                if method not in (WATCH, SUBMIT):
                    failures.append(f"{rid} ({method}) unanswered")
                else:
                    drops["silent"] += 1
                    dropped_ids.add(rid)
                continue
            a = answered[rid]
            if method not in (WATCH, SUBMIT):
                if a.get("result", {}).get("method") != method:
                    failures.append(f"{rid}: {a}")
            elif "error" in a:
                if a["error"].get("code") != 1014:
                    failures.append(f"{rid}: {a}")
                drops["error"] += 1
                dropped_ids.add(rid)
            elif method == WATCH:
                n_notes = notes.get(a["result"], [])
                array_at = arrays[0][0]
                if [r for _, r in n_notes] == ["dropped"]:
                    drops["dropped"] += 1
                    dropped_ids.add(rid)
                    if n_notes[0][0] < array_at:
                        failures.append(f"{rid}: 'dropped' before the batch's answer")
                elif not (len(n_notes) == 2 and n_notes[0][1] == "ready"):
                    failures.append(f"{rid}: notifications {n_notes}")
        if len(answered) != len(batch) - len(silent):
            failures.append(f"batch {b}: answers for ids not sent")
    await ws.close()
    reached = {rid for method, rid in fake.received[before:] if method in (WATCH, SUBMIT)}
    if reached & dropped_ids:
        failures.append(f"dropped submissions reached the node: {sorted(reached & dropped_ids)[:5]}")
    return drops, failures


async def main():
    # -- refusals --------------------------------------------------------------------------
    print("==> refusals")
    bad = subprocess.run([sys.executable, PROXY, "--listen-port", "0", "--upstream", "ws://192.0.2.1:9944"],
                         capture_output=True, text=True, timeout=10)
    check("a non-loopback upstream is refused (exit 2)", bad.returncode == 2 and "loopback" in bad.stderr, bad.stderr)
    bad = subprocess.run([sys.executable, PROXY, "--listen-host", "0.0.0.0", "--listen-port", "0",
                          "--upstream", "ws://127.0.0.1:9944"], capture_output=True, text=True, timeout=10)
    check("a listen host other than 127.0.0.1 is refused (exit 2)", bad.returncode == 2 and "127.0.0.1 only" in bad.stderr, bad.stderr)
    isolated = subprocess.run([sys.executable, "-S", "-c", "import websockets"], capture_output=True)
    if isolated.returncode != 0:  # without site-packages there is no websockets: the message shows
        bad = subprocess.run([sys.executable, "-S", PROXY, "--listen-port", "0", "--upstream", "ws://127.0.0.1:1"],
                             capture_output=True, text=True, timeout=10)
        check("without websockets it names the pip command", bad.returncode != 0 and PIP_COMMAND in bad.stderr, bad.stderr)

    # -- drops -----------------------------------------------------------------------------
    print("==> drops: seed 42, 300 per mille")
    fake = FakeNode()
    await fake.start()
    proxy = ProxyProcess("drops", fake.port, "--seed", "42", "--drop-per-mille", "300")
    procs.append(proxy)
    await proxy.start()
    check("the stats file is written at start", os.path.exists(proxy.stats))
    fates, methods, others_ok, strays, reached = await drop_run(proxy.port, fake)
    bad_fates = {i: f for i, f in fates.items() if f.startswith("bad")}
    check("every submission answered as forwarded or as one of the three drops", not bad_fates, str(list(bad_fates.items())[:5]))
    dropped = {i: f for i, f in fates.items() if f != "forwarded"}
    n, p = 300, 0.3
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    low, high = math.floor(mean - 4 * sd), math.ceil(mean + 4 * sd)
    check(f"drops within binomial bounds: {len(dropped)} of 300 in [{low}, {high}]", low <= len(dropped) <= high)
    counts = {m: sum(1 for f in dropped.values() if f == m) for m in MODES}
    check(f"each mode occurred: {counts}", all(counts[m] > 0 for m in MODES))
    check("modes taken in turn (round robin; the plain method's 'dropped' turn is an error)",
          dropped == expected_modes(fates, methods), str(sorted(set(dropped.items()) ^ set(expected_modes(fates, methods).items()))[:6]))
    check("no 'dropped' update for author_submitExtrinsic",
          not any(f == "dropped" and methods[i] == SUBMIT for i, f in dropped.items()))
    check("every non-submission request got exactly its answer", others_ok)
    check("no answer or message that was not asked for", not strays, str(strays[:3]))
    forwarded = {i for i, f in fates.items() if f == "forwarded"}
    check("exactly the forwarded submissions reached the node", reached == forwarded,
          f"{len(reached)} reached, {len(forwarded)} forwarded")

    print("==> drops in batches")
    batch_drops, failures = await batch_run(proxy.port, fake)
    check(f"batches: one merged answer each, others answered, drops never sent on: {batch_drops}", not failures, "; ".join(failures[:5]))

    print("==> a 2 MiB message both ways")
    ws = await client(proxy.port)
    await ws.send(request(1, "test_big", ["x" * BIG]))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
    check("a 2 MiB request and a 2 MiB answer pass", len(answer.get("result", "")) == BIG)
    await ws.close()

    print("==> the node goes away and comes back")
    ws = await client(proxy.port)
    await ws.send(request(1, "system_health"))
    await asyncio.wait_for(ws.recv(), 5)
    await fake.stop()
    try:
        await asyncio.wait_for(ws.recv(), 3)
        closed = False
    except ConnectionClosed:
        closed = True
    except (TimeoutError, asyncio.TimeoutError):
        closed = False
    check("stopping the upstream closes the client's connection", closed)
    try:
        refused = await client(proxy.port)
        await refused.close()
        status = None
    except InvalidStatus as error:
        status = error.response.status_code
    check("while the node is down, a new client is refused (HTTP 502)", status == 502, f"status {status}")
    await fake.start()  # same port: a restart
    ws = await client(proxy.port)
    await ws.send(request(2, "system_health"))
    answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
    check("after the restart a new client is served", answer.get("id") == 2 and "result" in answer)

    print("==> SIGTERM with a client connected")
    took, status = await proxy.terminate()
    check(f"SIGTERM stops the proxy within 2 s (took {took and round(took, 2)} s, exit {status})",
          took is not None and took < 2 and status == 0)
    try:
        await asyncio.wait_for(ws.recv(), 2)
        closed = False
    except ConnectionClosed:
        closed = True
    except (TimeoutError, asyncio.TimeoutError):
        closed = False
    check("the connected client was closed", closed)
    stats = proxy.read_stats()
    batch_subs = 20 * 5 + 5 * 2
    expected = {
        "connections": 5,
        "submissions_seen": 300 + batch_subs,
        "drops": len(dropped) + sum(batch_drops.values()),
        "drops_error": counts["error"] + batch_drops["error"],
        "drops_dropped": counts["dropped"] + batch_drops["dropped"],
        "drops_silent": counts["silent"] + batch_drops["silent"],
        "requests_forwarded": len(fake.received),
        "messages_delayed": 0,
        "connections_open": 0,
    }
    wrong = {k: (stats.get(k), v) for k, v in expected.items() if stats.get(k) != v}
    check("the stats file holds the counts", not wrong, f"(stats, expected): {wrong}")
    check("the stats count the refused client and the upstream's close",
          stats.get("upstream_connect_failures", 0) >= 1 and stats.get("closed_by_upstream", 0) >= 1, str(stats))
    await fake.stop()

    # -- same seed, same choices -----------------------------------------------------------
    print("==> the same seed again")
    fake3 = FakeNode()
    await fake3.start()
    proxy3 = ProxyProcess("again", fake3.port, "--seed", "42", "--drop-per-mille", "300")
    procs.append(proxy3)
    await proxy3.start()
    fates3, *_ = await drop_run(proxy3.port, fake3)
    check("seed 42 drops the same submissions in the same modes", fates3 == fates)
    deadline = time.monotonic() + 7
    seen = None
    while time.monotonic() < deadline:
        try:
            seen = proxy3.read_stats().get("submissions_seen")
        except (OSError, ValueError):
            seen = None
        if seen == 300:
            break
        await asyncio.sleep(0.25)
    check("the stats file is rewritten while the proxy runs (every 5 s)", seen == 300, f"submissions_seen {seen}")
    await proxy3.terminate()
    await fake3.stop()

    # -- delays ----------------------------------------------------------------------------
    print("==> delays: every answer, up to 200 ms")
    fake2 = FakeNode()
    await fake2.start()
    proxy2 = ProxyProcess("delays", fake2.port, "--seed", "7", "--delay-per-mille", "1000", "--max-delay-ms", "200")
    procs.append(proxy2)
    await proxy2.start()
    ws = await client(proxy2.port)
    for i in range(1, 201):
        await ws.send(request(i, "test_seq"))
    got = await read_until_answer(ws, 200)
    await ws.close()
    ids = [d.get("id") for _, d in got]
    seqs = [d["result"]["seq"] for _, d in got if "result" in d]
    check("200 answers arrive in the upstream's order", ids == list(range(1, 201)) and seqs == sorted(seqs), str(ids[:20]))
    lateness = [(at - d["result"]["sent"]) * 1000 for at, d in got if "result" in d]
    check(f"some answer was delayed >= 50 ms (largest {max(lateness):.0f} ms), none by much more than 200 ms",
          max(lateness) >= 50 and max(lateness) < 500)
    took, status = await proxy2.terminate()
    stats = proxy2.read_stats()
    check(f"delay stats: {stats.get('messages_delayed')} delayed, largest {stats.get('largest_delay_ms')} ms",
          stats.get("messages_delayed") == stats.get("messages_from_upstream") == 200
          and 50 <= stats.get("largest_delay_ms", 0) <= 200 and stats.get("drops") == 0)
    await fake2.stop()


procs = []


def run():
    started = time.monotonic()
    try:
        asyncio.run(asyncio.wait_for(main(), 28))
    except Exception as error:  # a step that could not run at all is a failure
        check(f"the test ran to its end ({type(error).__name__}: {error})", False)
    finally:
        for p in procs:
            p.kill()
    passed, failed = results.count(True), results.count(False)
    if failed:
        print(f"    proxy logs in {WORK}")
    else:
        for name in os.listdir(WORK):
            os.remove(os.path.join(WORK, name))
        os.rmdir(WORK)
    print(f"    ({time.monotonic() - started:.1f} s)")
    print(f"rpc-fault-proxy-test: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    run()
