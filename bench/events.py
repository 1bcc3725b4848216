#!/usr/bin/env python3
"""Event latency: commit to delivery of membership events, at a steady write rate, to many
subscribers spread over two server instances sharing one PostgreSQL database.

    python3 bench/events.py --server target/release/userplan          # 100 subscribers, 50 writes/s, 10 s
    python3 bench/events.py --server B --subscribers 200 --rate 100 --duration 20
    python3 bench/events.py --server B --slow 10    # and 10 subscribers that read nothing

Each write adds a user of its own to a plan (addPlansToUser over HTTP, alternating between
the instances), so each event is told apart by its user. A write's commit is bounded by its
response: latency is measured from the response's arrival to the event's arrival at each
subscriber (so it is a little under the true commit-to-delivery time), and also from the
request's send (a little over). Prints p50, p99 and the maximum over every (subscriber,
event) pair, and how many pairs were missing (must be 0).

With `--slow N`, N more subscribers (split over both instances) never read: before the
timed writes, 30,000 events (three `set`s of 10,000 links on a plan of their own) put
them far past the server's 16,384-event buffer. The table then shows the instances'
memory (peak and current RSS) next to a run's without them, and the latency of the
subscribers that do read, so that neither the memory nor the others depend on how far
behind the slow ones are.

Needs the `websockets` package (`pip install websockets`) and a PostgreSQL it may create a
database in (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test).
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import ADD, Server, log, postgres_database  # noqa: E402

SUBSCRIBE = "subscription { membershipChanged { kind userId planId } }"
SET = "mutation($p: UUID!, $u: [UUID!]!) { setPlanUsers(planId: $p, userIds: $u) { plan { id } } }"


async def subscriber(url, arrivals, ready):
    """One graphql-transport-ws subscriber: records when each (user, plan, kind) first
    arrives, and counts every event (under None)."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=None) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await socket.recv())
        assert ack["type"] == "connection_ack", ack
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        ready.set()
        async for message in socket:
            now = time.perf_counter()
            message = json.loads(message)
            if message.get("type") != "next":
                continue
            event = message["payload"]["data"]["membershipChanged"]
            arrivals.setdefault((event["userId"], event["planId"], event["kind"]), now)
            arrivals[None] = arrivals.get(None, 0) + 1


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def slow_subscriber(url, connected):
    """Subscribes to everything and never reads a message again."""
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"], max_size=None,
                                  max_queue=1) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        await socket.recv()
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        connected.set()
        await asyncio.Event().wait()


def rss_mib(server):
    """(peak, current) resident memory of a server process."""
    values = {}
    with open(f"/proc/{server.process.pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmHWM"], values["VmRSS"]


async def measure(args, servers, users, plan, bulk_plan):
    per_subscriber = [dict() for _ in range(args.subscribers)]
    readies = [asyncio.Event() for _ in range(args.subscribers)]
    tasks = []
    for n in range(args.subscribers):
        ws_url = servers[n % 2].url.replace("http://", "ws://") + "/graphql/ws"
        tasks.append(asyncio.create_task(subscriber(ws_url, per_subscriber[n], readies[n])))
    for ready in readies:
        await ready.wait()
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=16)
    if args.bulk or args.slow:
        connected = [asyncio.Event() for _ in range(args.slow)]
        for n in range(args.slow):
            ws_url = servers[n % 2].url.replace("http://", "ws://") + "/graphql/ws"
            tasks.append(asyncio.create_task(slow_subscriber(ws_url, connected[n])))
        for event in connected:
            await event.wait()
        # A subscription starts a moment after its `subscribe`: one that starts late misses
        # a few of the first events, and is still far behind after the rest.
        bulk = users[:10_000]
        for round_ in range(3):
            ids = bulk if round_ % 2 == 0 else []
            await loop.run_in_executor(pool, servers[round_ % 2].graphql, SET, {"p": bulk_plan, "u": ids})
        # The readers get the 30,000 events too; wait until they have them.
        deadline = time.time() + 300
        while not all(arrivals.get(None, 0) >= 3 * len(bulk) for arrivals in per_subscriber):
            if time.time() > deadline:
                sys.exit("the reading subscribers never received the bulk events")
            await asyncio.sleep(0.1)
    # A subscription is live a moment after its `subscribe`: write a warm-up event until
    # every subscriber has one.
    warm_up = users[0]
    await loop.run_in_executor(pool, servers[0].graphql, ADD, {"u": warm_up, "p": [plan]})
    deadline = time.time() + 30
    while not all((warm_up, plan, "ADDED") in arrivals for arrivals in per_subscriber):
        if time.time() > deadline:
            sys.exit("the subscribers never received the warm-up event")
        await asyncio.sleep(0.05)

    sent, answered = {}, {}

    def write(n, user):
        sent[user] = time.perf_counter()
        servers[n % 2].graphql(ADD, {"u": user, "p": [plan]})
        answered[user] = time.perf_counter()

    writes = users[1:1 + args.rate * args.duration]
    start = time.perf_counter()
    futures = []
    for n, user in enumerate(writes):
        # A steady rate: each write at its own time, whatever the previous ones took.
        delay = start + n / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        futures.append(loop.run_in_executor(pool, write, n, user))
    await asyncio.gather(*futures)
    # Whatever is still on its way gets a few seconds.
    deadline = time.time() + 10
    while time.time() < deadline and not all(all((u, plan, "ADDED") in a for u in writes)
                                             for a in per_subscriber):
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    from_answer, from_send, missing = [], [], 0
    for arrivals in per_subscriber:
        for user in writes:
            arrived = arrivals.get((user, plan, "ADDED"))
            if arrived is None:
                missing += 1
                continue
            from_answer.append((arrived - answered[user]) * 1000)
            from_send.append((arrived - sent[user]) * 1000)
    memory = [rss_mib(server) for server in servers]
    return from_answer, from_send, missing, len(writes), memory


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True, help="the built server binary")
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--rate", type=int, default=50, help="writes per second")
    parser.add_argument("--duration", type=int, default=10, help="seconds of writes")
    parser.add_argument("--slow", type=int, default=0, help="subscribers that never read (implies --bulk)")
    parser.add_argument("--bulk", action="store_true",
                        help="30,000 events before the timed writes (the baseline of --slow)")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    users_needed = max(args.rate * args.duration + 1, 10_000 if args.slow or args.bulk else 0)
    with tempfile.TemporaryDirectory(prefix="userplan-events-") as workdir:
        database_url = postgres_database(args.postgres_url, "userplan_bench_events")
        subprocess.run([args.server, "migrate", "up"], env=dict(os.environ, DATABASE_URL=database_url),
                       check=True, capture_output=True)
        subprocess.run([args.server, "seed", "--users", str(users_needed), "--plans", "2", "--links-per-user", "0"],
                       env=dict(os.environ, DATABASE_URL=database_url), check=True, capture_output=True)
        servers = [Server(args.server, database_url, port, workdir, sql_stats=False, options=["--no-migrate"])
                   for port in (18_100, 18_101)]
        try:
            users, after = [], None
            while len(users) < users_needed:
                page = servers[0].graphql(
                    "query($a: String) { users(first: 1000, after: $a) { nodes { id } "
                    "pageInfo { endCursor } } }", {"a": after})["data"]["users"]
                users += [node["id"] for node in page["nodes"]]
                after = page["pageInfo"]["endCursor"]
            plans = servers[0].graphql("{ plans(first: 2) { nodes { id } } }")["data"]["plans"]["nodes"]
            plan, bulk_plan = plans[0]["id"], plans[1]["id"]
            log(f"{args.subscribers} subscribers (and {args.slow} that read nothing) on 2 instances, "
                f"{args.rate} writes/s for {args.duration} s")
            from_answer, from_send, missing, writes, memory = asyncio.run(
                measure(args, servers, users, plan, bulk_plan))
        finally:
            for server in servers:
                server.stop()
    print(f"\nevent latency, PostgreSQL, 2 instances, {args.subscribers} subscribers"
          f"{f' and {args.slow} that read nothing (30,000 events behind)' if args.slow else ''}, "
          f"{args.rate} writes/s, {writes} writes, {len(from_answer)} deliveries, {missing} missing")
    print("instances' memory, peak / now: " + ", ".join(f"{peak:.1f} / {now:.1f} MiB" for peak, now in memory))
    print("| measured from | p50 ms | p99 ms | max ms | mean ms |")
    print("|---|---|---|---|---|")
    for name, values in (("the write's response (after commit)", from_answer), ("the write's request", from_send)):
        if values:
            print(f"| {name} | {percentile(values, 50):.1f} | {percentile(values, 99):.1f} | "
                  f"{max(values):.1f} | {statistics.mean(values):.1f} |")
    if missing:
        sys.exit(f"{missing} deliveries missing")


if __name__ == "__main__":
    main()
