#!/usr/bin/env python3
"""Where a request's instructions go, counted by callgrind: per layer, per request.

Runs the release server under `valgrind --tool=callgrind` on a seeded database, sends
each operation (Q3, M1 and `{ __typename }` by default) one at a time over one
keep-alive connection, and prints, per request, how many instructions each layer of the
server spent: the HTTP stack, the gate, async-graphql's execution, the prefetch and
loaders, the database driver, JSON, tracing, the allocator. Instruction counts do not
depend on the machine's load, so two builds compare in any run.

    python3 bench/profile.py                          # this checkout's release build
    python3 bench/profile.py --server before=/tmp/old/userplan --server after=target/release/userplan
    python3 bench/profile.py --database sqlite --top 25
    python3 bench/profile.py --jwt                    # each build also signed in, as bench.py --jwt

A function's own instructions are counted where the compiler left them: code inlined
into a caller counts as the caller's (in a release build, most of `core` and `alloc`).
The kernel's work (system calls, the loopback network) is not counted.
Needs valgrind (`apt-get install -y valgrind`) and, for PostgreSQL, psql.
"""

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the benchmark's seeding, queries and helpers)

TYPENAME = "{ __typename }"
OPERATIONS = ("typename", "Q3", "M1")

# A function's layer, from the path its symbol names (the first rule that matches wins).
# The layers follow the request's way through the server.
LAYERS = [
    ("gate (parse cache, limits, access)", r"userplan::graphql::(gate|limits|access|persisted)"),
    ("prefetch and loaders", r"userplan::graphql::(prefetch|loaders)"),
    ("resolvers and types", r"userplan::graphql"),
    ("data access (SQL built, rows read)", r"userplan::(service|db)"),
    ("HTTP handler and operation", r"userplan::http"),
    ("sign-in", r"userplan::auth|jsonwebtoken|moka"),
    ("userplan, other", r"userplan"),
    ("async-graphql parse", r"async_graphql_parser|pest"),
    ("async-graphql execution", r"async_graphql"),
    ("SQL text (sea-query)", r"sea_query"),
    ("sea-orm", r"sea_orm"),
    ("database driver (sqlx)", r"sqlx|libsqlite3|sqlite3|rusqlite"),
    ("TLS", r"rustls|ring::|ring_core|aws_lc|_aesni|gcm_|aes_hw|sha256_block"),
    ("JSON (serde_json)", r"serde_json|serde::|ryu|itoa"),
    ("tracing", r"tracing"),
    ("tower and tower-http layers", r"tower_http|tower::|tower_layer|tower_service"),
    ("HTTP (hyper, axum, http)", r"hyper|axum|httparse|^<?http::|h2::|matchit|mime"),
    ("async runtime (tokio, futures)", r"tokio|mio::|futures|parking_lot"),
    ("allocator (mimalloc)", r"mi_|mimalloc|_mi_"),
    ("hashing, uuid, time", r"hashbrown|ahash|foldhash|sip|uuid|chrono|time::"),
    ("std and core (not inlined)", r"^<?(core|alloc|std)::|^<?&|^<?\[|^<?\(|^<?str"),
    ("libc (memcpy, memset, ...)", r"libc|memcpy|memmove|memset|memcmp|strlen|__"),
]


def log(message):
    print(f"[profile] {message}", file=sys.stderr, flush=True)


def layer_of(function):
    for layer, pattern in LAYERS:
        if re.search(pattern, function):
            return layer
    return "other"


# Code that works for whoever calls it: its instructions are counted in its callers' layers.
HELPERS = {"libc (memcpy, memset, ...)", "allocator (mimalloc)", "std and core (not inlined)",
           "hashing, uuid, time", "other"}
LINE = re.compile(r"\s*([\d,]+)\s+(?:\(\s*[\d.]+%\)\s+)?([<>*]?)\s*(?:[^:\s]*:)?(.+?)(?: \(\d[\d,]*x\))?(?: \[.*\])?$")


def annotate(dump, *options):
    return subprocess.run(["callgrind_annotate", "--threshold=100", *options, dump],
                          check=True, text=True, capture_output=True).stdout.splitlines()


def parse(line):
    match = LINE.match(line)
    if not match or "PROGRAM TOTALS" in line or line.lstrip().startswith("Ir"):
        return None
    return int(match.group(1).replace(",", "")), match.group(2), match.group(3).strip()


def self_costs(dump):
    """Each function's own instructions in a callgrind dump, and for each function the
    instructions of the calls each caller made to it (from callgrind_annotate)."""
    costs = defaultdict(int)
    for line in annotate(dump, "--inclusive=no"):
        parsed = parse(line)
        if parsed:
            costs[parsed[2]] += parsed[0]
    callers, pending = defaultdict(dict), {}
    for line in annotate(dump, "--inclusive=yes", "--tree=caller"):
        parsed = parse(line)
        if not parsed:
            pending = {}
            continue
        cost, mark, function = parsed
        if mark == "<":
            pending[function] = pending.get(function, 0) + cost
        elif mark == "*":
            callers[function] = pending
            pending = {}
    return dict(costs), callers


def by_layer(costs, callers):
    """Instructions per layer, a helper's own counted in its callers' layers in proportion
    to what each caller's calls cost (followed up through helpers calling helpers)."""
    shares = {}

    def share(function, depth=0):
        layer = layer_of(function)
        if layer not in HELPERS or depth > 8:
            return {layer: 1.0}
        if function in shares:
            return shares[function]
        calling = {caller: cost for caller, cost in callers.get(function, {}).items() if caller != function}
        total = sum(calling.values())
        if not total:
            return {layer: 1.0}
        result = defaultdict(float)
        for caller, cost in calling.items():
            for caller_layer, fraction in share(caller, depth + 1).items():
                result[caller_layer] += fraction * cost / total
        shares[function] = dict(result)
        return shares[function]

    layers = defaultdict(float)
    for function, cost in costs.items():
        for layer, fraction in share(function).items():
            layers[layer] += cost * fraction
    return layers


class Profiled(bench.Server):
    """The server under callgrind, its instrumentation off until an operation is measured,
    and one keep-alive connection to it."""

    def __init__(self, binary, database_url, port, workdir, label, options=(), token=None):
        self.workdir, self.label = workdir, label
        out = os.path.join(workdir, f"callgrind.{label}")
        super().__init__(binary, database_url, port, workdir, sql_stats=False, ready_within=300,
                         options=options, token=token,
                         wrapper=["valgrind", "--tool=callgrind", "--instr-atstart=no",
                                  f"--callgrind-out-file={out}"])
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def post(self, query, variables=None):
        body = json.dumps({"query": query, "variables": variables or {}})
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        self.connection.request("POST", "/graphql", body, headers)
        response = json.loads(self.connection.getresponse().read())
        if response.get("errors"):
            raise RuntimeError(f"{query}: {response['errors']}")
        return response

    def control(self, *args):
        subprocess.run(["callgrind_control", *args, str(self.process.pid)], check=True, capture_output=True)

    def measure(self, name, bodies, requests, warmup):
        """The dump of `requests` requests (the bodies in turn), after `warmup` uncounted."""
        self.control("--instr=on")
        for n in range(warmup):
            body = bodies[n % len(bodies)]
            self.post(body["query"], body.get("variables"))
        self.control("--zero")
        for n in range(requests):
            body = bodies[n % len(bodies)]
            self.post(body["query"], body.get("variables"))
        self.control(f"--dump={name}")
        self.control("--instr=off")
        dumps = sorted((f for f in os.listdir(self.workdir) if f.startswith(f"callgrind.{self.label}.")),
                       key=lambda f: os.path.getmtime(os.path.join(self.workdir, f)))
        return os.path.join(self.workdir, dumps[-1])

    def stop(self):
        self.connection.close()
        super().stop()


def operations(server):
    user = server.post("{ users(first: 1) { nodes { id } } }")["data"]["users"]["nodes"][0]["id"]
    plan = server.post("{ plans(last: 1) { nodes { id } } }")["data"]["plans"]["nodes"][0]["id"]
    return {
        "typename": [{"query": TYPENAME}],
        "Q3": [{"query": bench.Q3, "variables": {"id": user}}],
        "M1": [{"query": bench.ADD, "variables": {"u": user, "p": [plan]}},
               {"query": bench.REMOVE, "variables": {"u": user, "p": [plan]}}],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--operations", nargs="+", default=list(OPERATIONS), choices=OPERATIONS)
    parser.add_argument("--requests", type=int, default=200, help="requests counted per operation")
    parser.add_argument("--warmup", type=int, default=50, help="requests before counting starts")
    parser.add_argument("--top", type=int, default=0, help="also list each operation's N costliest functions")
    parser.add_argument("--keep", metavar="DIR", help="keep the callgrind dumps in DIR (for callgrind_annotate "
                        "--tree=caller and the like)")
    parser.add_argument("--server", action="append", metavar="LABEL=BINARY", dest="servers")
    parser.add_argument("--jwt", action="store_true",
                        help="also measure each build signed in, as an OWNER of every plan (bench.py --jwt)")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    if args.servers:
        builds = [tuple(server.split("=", 1)) for server in args.servers]
    else:
        log("building the release server")
        bench.run(["cargo", "build", "--release", "--quiet"], cwd=bench.ROOT)
        builds = [("this", bench.SERVER)]

    sizes = bench.DATASETS["small"]
    results = {}
    with tempfile.TemporaryDirectory(prefix="userplan-profile-") as scratch:
        workdir = args.keep or scratch
        os.makedirs(workdir, exist_ok=True)
        for n, (label, binary) in enumerate(builds):
            if args.database == "sqlite":
                database_url = f"sqlite://{workdir}/{label}.db?mode=rwc"
            else:
                database_url = bench.postgres_database(args.postgres_url, f"userplan_profile_{label}")
            log(f"{label}: seeding {sizes}")
            bench.run([binary, "seed", "--users", str(sizes["users"]), "--plans", str(sizes["plans"]),
                       "--links-per-user", str(sizes["links_per_user"]), "--seed", "1"],
                      env=dict(os.environ, DATABASE_URL=database_url), capture_output=True)
            for signed_in in (False, True) if args.jwt else (False,):
                run_label, options, token = label, (), None
                if signed_in:
                    # The same user and token as the benchmark's signed-in run, made after
                    # the unauthenticated run so that one measures the seed alone.
                    plain = bench.Server(binary, database_url, 18_100 + len(builds) + n, workdir)
                    try:
                        token = bench.signed_in_owner(plain, bench.every_plan(plain))
                    finally:
                        plain.stop()
                    if args.database == "postgres":
                        bench.run(["psql", database_url, "-qc", "VACUUM ANALYZE user_plans"], capture_output=True)
                    run_label, options = f"{label}, signed in", bench.sign_in_options(workdir)
                log(f"{run_label}: starting under callgrind")
                server = Profiled(binary, database_url, 18_100 + n, workdir, run_label.replace(", ", "-").replace(" ", "-"),
                                  options=options, token=token)
                try:
                    bodies = operations(server)
                    for name in args.operations:
                        log(f"{run_label}: {name}, {args.requests} requests")
                        results[run_label, name] = self_costs(server.measure(name, bodies[name], args.requests,
                                                                             args.warmup))
                finally:
                    server.stop()
        if args.jwt:
            builds = [run for label, binary in builds for run in ((label, binary), (f"{label}, signed in", binary))]

    print(f"\nuserplan per-request instructions by layer (callgrind, {args.database}, small dataset, "
          f"{args.requests} requests each, one keep-alive connection; memcpy, the allocator and other "
          f"helpers counted in their callers' layers)")
    for name in args.operations:
        per_layer = {}
        for label, _ in builds:
            layers = by_layer(*results[label, name])
            per_layer[label] = {layer: cost / args.requests for layer, cost in layers.items()}
        order = sorted({layer for layers in per_layer.values() for layer in layers},
                       key=lambda layer: -max(layers.get(layer, 0) for layers in per_layer.values()))
        labels = [label for label, _ in builds]
        print(f"\n{name}\n\n| layer | " + " | ".join(f"{label} (k instr)" for label in labels) + " |")
        print("|---|" + "---|" * len(labels))
        for layer in order:
            print(f"| {layer} | " + " | ".join(f"{per_layer[label].get(layer, 0) / 1000:.1f}"
                                               for label in labels) + " |")
        print("| **total** | " + " | ".join(f"**{sum(per_layer[label].values()) / 1000:.1f}**"
                                            for label in labels) + " |")
        if args.top:
            for label in labels:
                costliest = sorted(results[label, name][0].items(), key=lambda item: -item[1])[:args.top]
                print(f"\n{name}, {label}: costliest functions (own instructions per request)")
                for function, cost in costliest:
                    print(f"  {cost / args.requests:9.0f}  {layer_of(function):34}  {function[:150]}")


if __name__ == "__main__":
    main()
