#!/usr/bin/env python3
"""Event latency: commit to delivery of membership events, at a steady write rate, to many
subscribers spread over two server instances sharing one PostgreSQL database.

    python3 bench/events.py --server target/release/userplan          # 100 subscribers, 50 writes/s, 10 s
    python3 bench/events.py --server B --subscribers 200 --rate 100 --duration 20

Each write adds a user of its own to a plan (addPlansToUser over HTTP, alternating between
the instances), so each event is told apart by its user. A write's commit is bounded by its
response: latency is measured from the response's arrival to the event's arrival at each
subscriber (so it is a little under the true commit-to-delivery time), and also from the
request's send (a little over). Prints p50, p99 and the maximum over every (subscriber,
event) pair, and how many pairs were missing (must be 0).

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


async def subscriber(url, arrivals, ready):
    """One graphql-transport-ws subscriber: records when each user's ADDED arrives."""
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
            arrivals.setdefault(event["userId"], now)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


async def measure(args, servers, users, plan):
    per_subscriber = [dict() for _ in range(args.subscribers)]
    readies = [asyncio.Event() for _ in range(args.subscribers)]
    tasks = []
    for n in range(args.subscribers):
        ws_url = servers[n % 2].url.replace("http://", "ws://") + "/graphql/ws"
        tasks.append(asyncio.create_task(subscriber(ws_url, per_subscriber[n], readies[n])))
    for ready in readies:
        await ready.wait()
    # A subscription is live a moment after its `subscribe`: write a warm-up event until
    # every subscriber has one.
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=16)
    warm_up = users[0]
    await loop.run_in_executor(pool, servers[0].graphql, ADD, {"u": warm_up, "p": [plan]})
    deadline = time.time() + 30
    while not all(warm_up in arrivals for arrivals in per_subscriber):
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
    while time.time() < deadline and not all(all(u in a for u in writes) for a in per_subscriber):
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    from_answer, from_send, missing = [], [], 0
    for arrivals in per_subscriber:
        for user in writes:
            if user not in arrivals:
                missing += 1
                continue
            from_answer.append((arrivals[user] - answered[user]) * 1000)
            from_send.append((arrivals[user] - sent[user]) * 1000)
    return from_answer, from_send, missing, len(writes)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", required=True, help="the built server binary")
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--rate", type=int, default=50, help="writes per second")
    parser.add_argument("--duration", type=int, default=10, help="seconds of writes")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    users_needed = args.rate * args.duration + 1
    with tempfile.TemporaryDirectory(prefix="userplan-events-") as workdir:
        database_url = postgres_database(args.postgres_url, "userplan_bench_events")
        subprocess.run([args.server, "migrate", "up"], env=dict(os.environ, DATABASE_URL=database_url),
                       check=True, capture_output=True)
        subprocess.run([args.server, "seed", "--users", str(users_needed), "--plans", "1", "--links-per-user", "0"],
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
            plan = servers[0].graphql("{ plans(first: 1) { nodes { id } } }")["data"]["plans"]["nodes"][0]["id"]
            log(f"{args.subscribers} subscribers on 2 instances, {args.rate} writes/s for {args.duration} s")
            from_answer, from_send, missing, writes = asyncio.run(measure(args, servers, users, plan))
        finally:
            for server in servers:
                server.stop()
    print(f"\nevent latency, PostgreSQL, 2 instances, {args.subscribers} subscribers, {args.rate} writes/s, "
          f"{writes} writes, {len(from_answer)} deliveries, {missing} missing")
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
