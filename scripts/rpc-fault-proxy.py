#!/usr/bin/env python3
# rpc-fault-proxy.py: a loopback-only WebSocket JSON-RPC proxy that puts faults between the
# off-chain actors (subxt / jsonrpsee clients) and a substrate-contracts-node, for the soak
# (scripts/node-soak.sh). One upstream connection per client connection; when either side
# closes, the other is closed too, so a node restart looks to a client like a lost connection
# and it reconnects through the proxy (while the node is down, the proxy refuses the WebSocket
# handshake with HTTP 502, as a down node refuses the TCP connection).
#
# Why each fault exists:
# - Drops of author_submitAndWatchExtrinsic / author_submitExtrinsic (--drop-per-mille), in
#   three modes taken in turn, round robin over the drops:
#   1. a JSON-RPC error 1014 "Priority is too low": a node's transaction pool rejecting the
#      extrinsic (another one with the same nonce is in the pool);
#   2. (watch method only; the plain one gets mode 1) a subscription id and then an
#      author_extrinsicUpdate "dropped": the pool accepted the extrinsic and later dropped it;
#   3. no answer at all: the request was lost on the way, or the node died with it, a
#      submission whose fate the client cannot know (it times out or gives up and must settle
#      it from the chain later).
#   The extrinsic is never forwarded in these modes. Nothing else is ever dropped.
# - Delays of messages from the node to the client (--delay-per-mille, --max-delay-ms): a slow
#   or loaded node. Order per connection is kept: a message is never delivered before an
#   earlier one of the same connection. Messages to the node are not delayed.
# Choices come from random.Random seeded with --seed (separate streams for drops, delays and
# made-up subscription ids), so they depend only on the seed and the order of the messages.
#
# Usage:
#   python3 scripts/rpc-fault-proxy.py --listen-port PORT --upstream ws://127.0.0.1:NODEPORT \
#     [--seed N] [--drop-per-mille N] [--max-delay-ms N] [--delay-per-mille N] [--stats FILE]
# --listen-port 0 takes a free port. Once listening it prints one line on stdout:
#   rpc-fault-proxy: listening on ws://127.0.0.1:PORT
# Stats (JSON) go to --stats FILE every 5 s (written to a temporary file, then renamed) and at
# exit. SIGTERM or SIGINT stops it within a second. Only WebSocket is proxied, not plain HTTP
# JSON-RPC (curl): point HTTP callers at the node itself.
# Needs Python 3.11 and websockets 15: python3 -m pip install --quiet 'websockets==15.0.1'
import argparse
import asyncio
import ipaddress
import json
import logging
import os
import random
import signal
import string
import sys
import time
import urllib.parse

PIP_COMMAND = "python3 -m pip install --quiet 'websockets==15.0.1'"
try:
    import websockets
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve
    from websockets.exceptions import ConnectionClosed
except ImportError as error:  # noqa: F841
    sys.stderr.write(
        "rpc-fault-proxy: the Python package 'websockets' (version 15) is missing "
        f"({error}); install it with:\n  {PIP_COMMAND}\n"
    )
    sys.exit(3)
if int(websockets.__version__.split(".")[0]) < 14:
    sys.stderr.write(
        f"rpc-fault-proxy: websockets {websockets.__version__} lacks the asyncio API this "
        f"script uses; install version 15 with:\n  {PIP_COMMAND}\n"
    )
    sys.exit(3)

WATCH = "author_submitAndWatchExtrinsic"
SUBMIT = "author_submitExtrinsic"
SUBMISSIONS = (WATCH, SUBMIT)
POOL_ERROR = {
    "code": 1014,
    "message": "Priority is too low: (0 vs 0)",
    "data": "The transaction has too low priority to replace another transaction already in the pool.",
}
MODES = ("error", "dropped", "silent")
STATS_EVERY = 5.0
UPSTREAM_OPEN_TIMEOUT = 5.0
# Close codes that may be sent in a close frame; 1005, 1006 and 1015 may not (RFC 6455 7.4.1).
SENDABLE_CLOSE = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}

log = logging.getLogger("rpc-fault-proxy")


def loopback_host(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Stats:
    def __init__(self, config):
        self.config = config
        self.started_at = time.time()
        self.counts = {
            "connections": 0,  # client WebSocket sessions opened (upstream reached)
            "connections_open": 0,
            "upstream_connect_failures": 0,  # handshakes refused with 502: upstream unreachable
            "closed_by_client": 0,
            "closed_by_upstream": 0,
            "messages_from_client": 0,
            "messages_from_upstream": 0,
            "messages_to_client": 0,  # upstream messages and made-up answers delivered
            "requests_forwarded": 0,  # JSON-RPC requests (batch elements one by one) sent upstream
            "submissions_seen": 0,
            "drops": 0,
            "drops_error": 0,
            "drops_dropped": 0,
            "drops_silent": 0,
            "messages_delayed": 0,
            "largest_delay_ms": 0.0,  # the largest delay drawn
            "largest_hold_ms": 0.0,  # the longest a message was held (incl. behind earlier ones)
        }

    def add(self, key, n=1):
        self.counts[key] += n

    def biggest(self, key, value):
        if value > self.counts[key]:
            self.counts[key] = value

    def snapshot(self):
        out = dict(self.counts)
        out["largest_delay_ms"] = round(out["largest_delay_ms"], 3)
        out["largest_hold_ms"] = round(out["largest_hold_ms"], 3)
        out["config"] = self.config
        out["started_at"] = self.started_at
        out["updated_at"] = time.time()
        return out

    def write(self, path):
        if not path:
            return
        tmp = f"{path}.tmp.{os.getpid()}"
        try:
            with open(tmp, "w") as f:
                json.dump(self.snapshot(), f, indent=1, sort_keys=True)
                f.write("\n")
            os.replace(tmp, path)
        except OSError as error:
            log.warning("cannot write stats to %s: %s", path, error)


class Faults:
    """The seeded choices, shared by all connections in message order."""

    def __init__(self, seed, drop_per_mille, delay_per_mille, max_delay_ms):
        self.drop_rng = random.Random(f"{seed}:drop")
        self.delay_rng = random.Random(f"{seed}:delay")
        self.id_rng = random.Random(f"{seed}:subscription")
        self.drop_per_mille = drop_per_mille
        self.delay_per_mille = delay_per_mille
        self.max_delay_ms = max_delay_ms
        self.drops = 0

    def drop_mode(self, method):
        """None to forward the submission, else the mode of its drop."""
        if self.drop_per_mille <= 0 or self.drop_rng.randrange(1000) >= self.drop_per_mille:
            return None
        mode = MODES[self.drops % len(MODES)]
        self.drops += 1
        if mode == "dropped" and method != WATCH:
            mode = "error"
        return mode

    def delay_ms(self):
        """None for no delay, else a delay in ms drawn uniformly in 0..max_delay_ms."""
        if self.delay_per_mille <= 0 or self.delay_rng.randrange(1000) >= self.delay_per_mille:
            return None
        return self.delay_rng.uniform(0, self.max_delay_ms)

    def subscription_id(self):
        # Like the node's (jsonrpsee's random 16-character ids).
        return "".join(self.id_rng.choice(string.ascii_letters + string.digits) for _ in range(16))


def id_key(value):
    return json.dumps(value, sort_keys=True)


class Proxy:
    def __init__(self, args):
        self.upstream_url = args.upstream
        self.stats_path = args.stats
        self.faults = Faults(args.seed, args.drop_per_mille, args.delay_per_mille, args.max_delay_ms)
        self.stats = Stats(
            {
                "listen_port": args.listen_port,
                "upstream": args.upstream,
                "seed": args.seed,
                "drop_per_mille": args.drop_per_mille,
                "delay_per_mille": args.delay_per_mille,
                "max_delay_ms": args.max_delay_ms,
            }
        )
        self.next_session = 0

    # The upstream connection is opened during the client's handshake, so that an unreachable
    # node refuses the client (HTTP 502) instead of accepting it and closing at once.
    async def process_request(self, connection, request):
        try:
            upstream = await connect(
                self.upstream_url,
                max_size=None,
                compression=None,
                ping_interval=None,
                close_timeout=1,
                open_timeout=UPSTREAM_OPEN_TIMEOUT,
                proxy=None,
            )
        except Exception as error:  # OSError, InvalidStatus, TimeoutError, ...
            self.stats.add("upstream_connect_failures")
            log.info("upstream %s unreachable (%s): refusing a client", self.upstream_url, error)
            return connection.respond(502, f"upstream {self.upstream_url} unreachable: {error}\n")
        connection.fault_upstream = upstream
        # Should the handshake fail after this point, the handler never runs: close the
        # upstream connection then rather than leak it.
        asyncio.get_running_loop().create_task(self.reap(connection, upstream))
        return None

    async def reap(self, connection, upstream):
        await asyncio.sleep(15)
        if getattr(connection, "fault_upstream", None) is upstream:
            connection.fault_upstream = None
            await upstream.close()

    async def handler(self, client):
        upstream = getattr(client, "fault_upstream", None)
        client.fault_upstream = None
        if upstream is None:
            await client.close(1011, "no upstream connection")
            return
        session = self.next_session
        self.next_session += 1
        self.stats.add("connections")
        self.stats.add("connections_open")
        log.info("session %d: client %s <-> upstream %s", session, client.remote_address, self.upstream_url)
        session_state = Session(self, session, client, upstream)
        try:
            await session_state.run()
        finally:
            self.stats.add("connections_open", -1)
            log.info("session %d closed (%s)", session, session_state.ended_by)


CLOSE = object()


class Session:
    def __init__(self, proxy, number, client, upstream):
        self.proxy = proxy
        self.faults = proxy.faults
        self.stats = proxy.stats
        self.number = number
        self.client = client
        self.upstream = upstream
        self.queue = asyncio.Queue()
        self.last_release = 0.0
        # A batch partly dropped: the upstream's answer to what was forwarded gets the made-up
        # answers merged into it. Keyed by the forwarded requests' ids.
        self.pending_batches = {}
        self.ended_by = "?"

    # -- to the client, in order -----------------------------------------------------------
    def enqueue(self, message, delay_ms=None):
        loop = asyncio.get_running_loop()
        now = loop.time()
        release = max(self.last_release, now + (delay_ms or 0) / 1000.0)
        self.last_release = release
        self.queue.put_nowait((now, release, message))

    async def sender(self):
        loop = asyncio.get_running_loop()
        while True:
            item = await self.queue.get()
            if item is CLOSE:
                return "upstream"
            arrived, release, message = item
            wait = release - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self.stats.biggest("largest_hold_ms", (loop.time() - arrived) * 1000.0)
            try:
                await self.client.send(message)
            except ConnectionClosed:
                return "client"
            self.stats.add("messages_to_client")

    async def upstream_reader(self):
        try:
            async for message in self.upstream:
                self.stats.add("messages_from_upstream")
                if self.pending_batches and isinstance(message, str) and message.lstrip().startswith("["):
                    message, extra = self.merge_batch(message)
                else:
                    extra = []
                delay = self.faults.delay_ms()
                if delay is not None:
                    self.stats.add("messages_delayed")
                    self.stats.biggest("largest_delay_ms", delay)
                self.enqueue(message, delay)
                for notification in extra:
                    self.enqueue(notification)
        except ConnectionClosed:
            pass
        finally:
            self.queue.put_nowait(CLOSE)

    def merge_batch(self, message):
        try:
            answers = json.loads(message)
            key = frozenset(id_key(a.get("id")) for a in answers if isinstance(a, dict))
        except (ValueError, AttributeError, TypeError):
            return message, []
        if key not in self.pending_batches:
            return message, []
        made_up, notifications = self.pending_batches.pop(key)
        return json.dumps(answers + made_up), notifications

    # -- from the client ---------------------------------------------------------------------
    def drop(self, request):
        """Made-up answer and notifications for a dropped submission, or None to forward it."""
        if not isinstance(request, dict) or "id" not in request:
            return None
        method = request.get("method")
        if method not in SUBMISSIONS:
            return None
        self.stats.add("submissions_seen")
        mode = self.faults.drop_mode(method)
        if mode is None:
            return None
        self.stats.add("drops")
        self.stats.add(f"drops_{mode}")
        rid = request["id"]
        log.info("session %d: dropping %s id %s (%s)", self.number, method, json.dumps(rid), mode)
        if mode == "error":
            return [{"jsonrpc": "2.0", "id": rid, "error": POOL_ERROR}], []
        if mode == "dropped":
            sub = self.faults.subscription_id()
            update = {
                "jsonrpc": "2.0",
                "method": "author_extrinsicUpdate",
                "params": {"subscription": sub, "result": "dropped"},
            }
            return [{"jsonrpc": "2.0", "id": rid, "result": sub}], [json.dumps(update)]
        return [], []  # silent

    def from_client(self, message):
        """What to send upstream (or None), then made-up answers and notifications."""
        if not isinstance(message, str):
            return message, [], []
        try:
            parsed = json.loads(message)
        except ValueError:
            return message, [], []
        if isinstance(parsed, dict):
            if "method" in parsed:
                verdict = self.drop(parsed)
                if verdict is not None:
                    answers, notifications = verdict
                    return None, [json.dumps(a) for a in answers], notifications
                self.stats.add("requests_forwarded")
            return message, [], []
        if not isinstance(parsed, list):
            return message, [], []
        kept, made_up, notifications = [], [], []
        for element in parsed:
            verdict = self.drop(element)
            if verdict is None:
                kept.append(element)
                if isinstance(element, dict) and "method" in element:
                    self.stats.add("requests_forwarded")
            else:
                made_up.extend(verdict[0])
                notifications.extend(verdict[1])
        if len(kept) == len(parsed):
            return message, [], []
        answered = [e for e in kept if isinstance(e, dict) and "method" in e and "id" in e]
        if kept and answered:
            key = frozenset(id_key(e["id"]) for e in answered)
            self.pending_batches[key] = (made_up, notifications)
            return json.dumps(kept), [], []
        # Nothing forwarded will be answered: the made-up answers are the batch's answer.
        forward = json.dumps(kept) if kept else None
        return forward, ([json.dumps(made_up)] if made_up else []), notifications

    async def client_reader(self):
        try:
            async for message in self.client:
                self.stats.add("messages_from_client")
                forward, answers, notifications = self.from_client(message)
                for answer in answers:
                    self.enqueue(answer)
                for notification in notifications:
                    self.enqueue(notification)
                if forward is not None:
                    try:
                        await self.upstream.send(forward)
                    except ConnectionClosed:
                        return "upstream"
        except ConnectionClosed:
            pass
        return "client"

    async def run(self):
        reader = asyncio.create_task(self.client_reader())
        upstream_reader = asyncio.create_task(self.upstream_reader())
        sender = asyncio.create_task(self.sender())
        try:
            done, _ = await asyncio.wait({reader, sender}, return_when=asyncio.FIRST_COMPLETED)
            ended = (reader if reader in done else sender).result()
            if ended == "upstream" and not sender.done():
                # The upstream went away: deliver what it had sent, then close the client.
                await upstream_reader
                await sender
            self.ended_by = ended
            if ended == "upstream":
                self.stats.add("closed_by_upstream")
                code = self.upstream.close_code
                code = code if code in SENDABLE_CLOSE else 1011
                await self.client.close(code, "upstream connection lost")
            else:
                self.stats.add("closed_by_client")
        finally:
            for task in (reader, upstream_reader, sender):
                task.cancel()
            await self.upstream.close()


class ShortHandshakeErrors(logging.Filter):
    """websockets logs a failed handshake (a plain HTTP request, say) with a traceback: one line."""

    def filter(self, record):
        if record.exc_info and record.getMessage() == "opening handshake failed":
            error = record.exc_info[1]
            cause = error.__cause__ or error
            record.msg = "opening handshake failed: %s (only WebSocket is proxied; send plain HTTP to the node)"
            record.args = (cause,)
            record.exc_info = None
            record.exc_text = None
        return True


async def main(args):
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s rpc-fault-proxy: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("websockets.server").addFilter(ShortHandshakeErrors())
    proxy = Proxy(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = await serve(
        proxy.handler,
        "127.0.0.1",
        args.listen_port,
        process_request=proxy.process_request,
        max_size=None,
        compression=None,
        ping_interval=None,
        close_timeout=1,
        server_header=None,
    )
    port = server.sockets[0].getsockname()[1]
    proxy.stats.config["listen_port"] = port
    proxy.stats.write(proxy.stats_path)
    print(f"rpc-fault-proxy: listening on ws://127.0.0.1:{port}", flush=True)

    async def write_stats():
        while True:
            await asyncio.sleep(STATS_EVERY)
            proxy.stats.write(proxy.stats_path)

    writer = asyncio.create_task(write_stats())
    await stop.wait()
    writer.cancel()
    server.close()  # closes the clients (1001), and each session its upstream
    try:
        await asyncio.wait_for(server.wait_closed(), 0.7)
    except (TimeoutError, asyncio.TimeoutError):
        pass
    proxy.stats.write(proxy.stats_path)
    log.info("stopped")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Loopback WebSocket JSON-RPC proxy that drops submissions and delays answers."
    )
    parser.add_argument("--listen-host", default="127.0.0.1", help="127.0.0.1 only")
    parser.add_argument("--listen-port", type=int, required=True, help="0 takes a free port")
    parser.add_argument("--upstream", required=True, help="ws://127.0.0.1:PORT (loopback only)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--drop-per-mille", type=int, default=0)
    parser.add_argument("--delay-per-mille", type=int, default=0)
    parser.add_argument("--max-delay-ms", type=int, default=0)
    parser.add_argument("--stats", help="JSON stats file, rewritten every 5 s and at exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="log sessions and drops")
    args = parser.parse_args(argv)
    if args.listen_host != "127.0.0.1":
        parser.error(f"--listen-host {args.listen_host}: the proxy binds 127.0.0.1 only")
    if not 0 <= args.listen_port <= 65535:
        parser.error("--listen-port must be 0..65535")
    url = urllib.parse.urlsplit(args.upstream)
    if url.scheme != "ws" or not url.hostname or not loopback_host(url.hostname):
        parser.error(f"--upstream {args.upstream}: must be ws:// on a loopback address (127.0.0.1)")
    for name in ("drop_per_mille", "delay_per_mille"):
        if not 0 <= getattr(args, name) <= 1000:
            parser.error(f"--{name.replace('_', '-')} must be 0..1000")
    if args.max_delay_ms < 0:
        parser.error("--max-delay-ms must be >= 0")
    return args


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    try:
        asyncio.run(main(arguments))
    except KeyboardInterrupt:
        pass
