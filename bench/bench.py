#!/usr/bin/env python3
"""userplan benchmark: one command, one table.

Builds the release server, seeds each dataset deterministically into SQLite and
PostgreSQL, starts the server on 127.0.0.1, drives each operation with wrk at 32
connections for a fixed duration, replays the SQL of Q1, Q2, Q3 and M1 with pgbench at
the same client count (the database floor), measures the CPU time the server and
PostgreSQL spend per 1,000 requests (from /proc), stops everything it started and prints
the table.

    python3 bench/bench.py                  # small and large datasets
    python3 bench/bench.py --datasets small --duration 5
    python3 bench/bench.py --server before=/tmp/old/userplan --server after=target/release/userplan
                                            # two builds side by side, in one sitting
    python3 bench/bench.py --jwt            # Q1, Q2, Q3, M1 also as a signed-in OWNER, on a
                                            # second server with sign-in, back to back

Needs wrk and pgbench (`apt-get install -y wrk postgresql-client`) and a PostgreSQL it
may create databases in (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where `cargo build --release` puts the binary, which CARGO_TARGET_DIR may move.
SERVER = os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "release", "userplan")
CONNECTIONS = 32

DATASETS = {
    "small": dict(users=10_000, plans=200, links_per_user=5),
    "large": dict(users=200_000, plans=2_000, links_per_user=5),
}

Q1 = "{ users(first: 50, orderBy: {field: INSERTED_AT, direction: ASC}) { nodes { id email plans { id name } } } }"
Q2 = "{ plans(first: 10) { nodes { id name users(first: 20) { id email plans { id } } } } }"
Q3 = 'query($id: UUID!) { user(id: $id) { id plans { id name } } }'
Q4 = ("query($after: String) { users(first: 50, after: $after, orderBy: {field: INSERTED_AT, direction: ASC}) "
      "{ nodes { id email plans { id name } } } }")
# What the --jwt run measures again as a signed-in user, and its identity provider.
JWT_OPERATIONS = ("Q1", "Q2", "Q3", "M1")
JWT_ISSUER = "https://id.bench.invalid/"
JWT_AUDIENCE = "userplan-bench"
JWT_SECRET = b"the benchmark's own signing secret"
ADD = "mutation($u: UUID!, $p: [UUID!]!) { addPlansToUser(userId: $u, planIds: $p) { addedPlanIds } }"
REMOVE = "mutation($u: UUID!, $p: [UUID!]!) { removePlansFromUser(userId: $u, planIds: $p) { removedPlanIds } }"


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def run(args, **kwargs):
    return subprocess.run(args, check=True, text=True, **kwargs)


def signed(claims):
    """`claims` as an HS256 JWT signed with JWT_SECRET, as an identity provider signs one."""
    def part(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = f"{header}.{part(json.dumps(claims).encode())}"
    return f"{body}.{part(hmac.new(JWT_SECRET, body.encode(), hashlib.sha256).digest())}"


def sign_in_options(workdir):
    """The server options that turn sign-in on with the benchmark's identity provider."""
    secret_file = os.path.join(workdir, "jwt-secret")
    with open(secret_file, "wb") as file:
        file.write(JWT_SECRET)
    return ["--jwt-secret-file", secret_file, "--jwt-issuer", JWT_ISSUER, "--jwt-audience", JWT_AUDIENCE]


class Server:
    """The release server on a free port, its stderr in a file (SQL traced on demand). With
    `token`, every request of the benchmark carries it (`Authorization: Bearer`)."""

    def __init__(self, binary, database_url, port, workdir, trace_sql=False, options=(), token=None,
                 wrapper=(), sql_stats=True, ready_within=30):
        """`wrapper` runs the server (valgrind, for bench/profile.py)."""
        self.url = f"http://127.0.0.1:{port}"
        self.token = token
        self.log_path = os.path.join(workdir, f"server-{port}.log")
        # Tracing formats every statement with its values: only the run that captures the
        # SQL pays for it, never the run under load.
        log_filter = "warn,userplan::sql=trace" if trace_sql else "warn"
        env = dict(os.environ, DATABASE_URL=database_url, RUST_LOG=log_filter)
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [*wrapper, binary, "serve", "--listen", f"127.0.0.1:{port}", *(["--sql-stats"] if sql_stats else []),
             *options],
            env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + ready_within
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url + "/ready", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited; see {self.log_path}")
                time.sleep(0.1)
        raise RuntimeError("server did not become ready")

    def graphql(self, query, variables=None):
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url + "/graphql", body, headers)
        response = json.load(urllib.request.urlopen(request, timeout=60))
        if response.get("errors"):
            raise RuntimeError(f"{query}: {response['errors']}")
        return response

    def statements_of(self, query, variables=None):
        """Runs the request once; returns its statement count and the SQL it ran."""
        self.log.flush()
        start = os.path.getsize(self.log_path)
        response = self.graphql(query, variables)
        time.sleep(0.2)  # let the server's log writer flush the trace lines
        with open(self.log_path) as log_file:
            log_file.seek(start)
            sql = re.findall(r"userplan::sql: (.*;) micros=", log_file.read())
        return response["extensions"]["sql"]["statements"], sql

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def wrk_script(workdir, name, bodies, token=None):
    """A wrk Lua script POSTing the bodies in turn (one body: the same request each time)."""
    path = os.path.join(workdir, f"{name}.lua")
    quoted = ", ".join("[==[" + json.dumps(body) + "]==]" for body in bodies)
    authorization = f'wrk.headers["authorization"] = "Bearer {token}"' if token else ""
    with open(path, "w") as script:
        script.write(f"""
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
{authorization}
local bodies = {{ {quoted} }}
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/graphql", nil, bodies[(n % #bodies) + 1])
end
""")
    return path


def cpu_seconds(pids):
    """User and system CPU time the processes have used so far, in seconds, with that of
    their children that exited: PostgreSQL's sessions that end between two samples would
    otherwise take their CPU out of the second sum (the postmaster reaps them, and their
    time moves to its cutime and cstime)."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                # After the command's closing parenthesis: utime, stime, cutime and cstime
                # are the 12th to 15th fields.
                fields = stat.read().rsplit(")", 1)[1].split()
            ticks += sum(int(field) for field in fields[11:15])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def postgres_pids():
    """Every PostgreSQL process on the machine: its server's sessions do the SQL work."""
    pids = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/comm") as comm:
                if comm.read().strip() == "postgres":
                    pids.append(entry)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            pass
    return pids


def drive(server, workdir, name, bodies, duration):
    """wrk's figures for these bodies in turn, and CPU seconds per 1,000 requests spent by
    the server and by PostgreSQL (all of its processes: nothing else uses it meanwhile)."""
    script = wrk_script(workdir, name, bodies, server.token)
    database = postgres_pids()
    cpu_before = cpu_seconds([server.process.pid]), cpu_seconds(database)
    output = run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--latency", "-s", script, server.url],
                 capture_output=True).stdout
    cpu_after = cpu_seconds([server.process.pid]), cpu_seconds(database)
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    per_1000 = [(after - before) * 1000 / max(requests, 1) for before, after in zip(cpu_before, cpu_after)]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"{name}: {errors.group(1)} failed responses\n{output}")

    def percentile(label):
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return dict(rps=rps, p50=percentile("50"), p99=percentile("99"), server_cpu=per_1000[0], db_cpu=per_1000[1])


def pgbench_floor(workdir, database_url, name, requests, duration):
    """Requests/s of the operation's own statements replayed by pgbench: `requests` holds
    each request's statements in turn (one pgbench transaction runs them all), and a
    mutation's run in a transaction of its own, as the server runs them."""
    path = os.path.join(workdir, f"{name}.sql")
    uuid = r"'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'"
    with open(path, "w") as script:
        for sql in requests:
            # The trace prints a bound uuid[] as an untyped ARRAY of strings, which would
            # be text[] here.
            sql = [re.sub(rf"ARRAY \[({uuid}(?:, ?{uuid})*)\](?!::)", r"ARRAY[\1]::uuid[]", statement)
                   for statement in sql]
            # pgbench reads `:name` as a variable (`"by":null` in a NOTIFY payload); a
            # space after the colon keeps the payload's size and makes it plain text.
            sql = [re.sub(r"(?<!:):(?=[A-Za-z_])", ": ", statement) for statement in sql]
            writes = any(re.match(r"(INSERT|UPDATE|DELETE|WITH wanted)", statement) for statement in sql)
            script.write("\n".join((["BEGIN;"] if writes else []) + sql + (["COMMIT;"] if writes else [])) + "\n")
    # Without TLS, as the server connects over loopback (src/db.rs, without_tls_on_loopback):
    # the floor is the statements' cost, not the encryption's.
    replay = subprocess.run(["pgbench", "-n", "-M", "prepared", "-f", path, f"-c{CONNECTIONS}", "-j2",
                             f"-T{duration}", database_url],
                            capture_output=True, text=True, env=dict(os.environ, PGSSLMODE="disable"))
    if replay.returncode != 0:
        raise RuntimeError(f"pgbench {path} failed:\n{replay.stderr[-2000:]}")
    return float(re.search(r"tps = ([\d.]+)", replay.stdout).group(1)) * len(requests)


def postgres_database(admin_url, name):
    """A fresh PostgreSQL database; returns its URL."""
    base = admin_url.split("?")[0].rsplit("/", 1)[0]
    run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)
    run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], capture_output=True)
    return f"{base}/{name}"


def cursor_at(server, position):
    """The cursor after `position` rows of Q1's ordering, reached by paging with first: 1000."""
    after, seen = None, 0
    while seen < position:
        step = min(1000, position - seen)
        data = server.graphql(
            "query($first: Int, $after: String) { users(first: $first, after: $after, "
            "orderBy: {field: INSERTED_AT, direction: ASC}) { pageInfo { endCursor } } }",
            {"first": step, "after": after})
        after, seen = data["data"]["users"]["pageInfo"]["endCursor"], seen + step
    return after


def every_plan(server):
    """Every plan's id, paging with first: 1000."""
    ids, after = [], None
    while True:
        data = server.graphql("query($after: String) { plans(first: 1000, after: $after) "
                              "{ nodes { id } pageInfo { hasNextPage endCursor } } }", {"after": after})
        page = data["data"]["plans"]
        ids += [node["id"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


class Prepared:
    """A seeded database, the build that serves it, its operations' request bodies, and
    what each costs in SQL."""

    def __init__(self, kind, dataset, build, database_url, operations, costs, token):
        self.kind, self.dataset, self.build, self.database_url = kind, dataset, build, database_url
        self.operations, self.costs = operations, costs
        # With --jwt: the signed-in OWNER's token.
        self.token = token


def signed_in_owner(server, plans):
    """A new user, OWNER of every plan, and a token of theirs for a day. In every plan, they
    see every user who has one (in the seed, every user): each query's answer is the
    unauthenticated one, so the ratio is what signing in costs, not a smaller answer."""
    created = server.graphql('mutation { createUser(input: {email: "owner@bench.invalid", name: "Owner"}) '
                             '{ id } }')["data"]["createUser"]["id"]
    server.graphql("mutation($u: UUID!, $p: [UUID!]!) { addPlansToUser(userId: $u, planIds: $p, role: OWNER) "
                   "{ addedPlanIds } }", {"u": created, "p": plans})
    now = int(time.time())
    return signed({"sub": created, "iss": JWT_ISSUER, "aud": JWT_AUDIENCE, "iat": now, "exp": now + 86_400})


def prepare(kind, dataset, sizes, args, workdir, port, build):
    """`build` is (label, binary): each build gets a database of its own, seeded by itself,
    since two builds may differ in their migrations."""
    label, binary = build
    if kind == "sqlite":
        database_url = f"sqlite://{workdir}/{dataset}-{label}.db?mode=rwc"
    else:
        database_url = postgres_database(args.postgres_url, f"userplan_bench_{dataset}_{label}")
    log(f"{kind}/{dataset}/{label}: seeding {sizes}")
    started = time.time()
    run([binary, "seed", "--users", str(sizes["users"]), "--plans", str(sizes["plans"]),
         "--links-per-user", str(sizes["links_per_user"]), "--seed", "1"],
        env=dict(os.environ, DATABASE_URL=database_url), capture_output=True)
    if kind == "postgres":
        # The seed's writes are flushed now, not by a checkpoint that would compete with
        # the first operations measured (on the large dataset it slowed Q1 by a third).
        run(["psql", database_url, "-qc", "VACUUM ANALYZE"], capture_output=True)
        run(["psql", database_url, "-qc", "CHECKPOINT"], capture_output=True)
    log(f"{kind}/{dataset}: seeded in {time.time() - started:.1f}s")

    # What each operation costs in statements, and the SQL it runs.
    server = Server(binary, database_url, port, workdir, trace_sql=True)
    try:
        user = server.graphql("{ users(first: 1) { nodes { id } } }")["data"]["users"]["nodes"][0]["id"]
        plan = server.graphql("{ plans(last: 1) { nodes { id } } }")["data"]["plans"]["nodes"][0]["id"]
        # Before anything is measured, so both runs see the same rows.
        token = signed_in_owner(server, every_plan(server)) if args.jwt else None
        if args.jwt and kind == "postgres":
            # The owner's links are new rows: an index-only scan of them would visit the
            # table until autovacuum marks their pages all-visible, as it soon would.
            run(["psql", database_url, "-qc", "VACUUM ANALYZE user_plans"], capture_output=True)
        # Q4: the 1,000th page of 50 where the dataset has that many rows, else its last page.
        page = min(1000, sizes["users"] // 50)
        after = cursor_at(server, (page - 1) * 50)
        operations = [
            ("Q1", [{"query": Q1}]),
            ("Q2", [{"query": Q2}]),
            ("Q3", [{"query": Q3, "variables": {"id": user}}]),
            (f"Q4 (page {page})", [{"query": Q4, "variables": {"after": after}}]),
            ("M1", [{"query": ADD, "variables": {"u": user, "p": [plan]}},
                    {"query": REMOVE, "variables": {"u": user, "p": [plan]}}]),
        ]
        # Each request's statement count and SQL, for every body (M1's add, then its remove).
        costs = {name: [server.statements_of(body["query"], body.get("variables")) for body in bodies]
                 for name, bodies in operations}
    finally:
        server.stop()
    return Prepared(kind, dataset, label, database_url, operations, costs, token)


def bench_database(kind, args, workdir, port):
    """Every operation on every dataset of one database. The datasets' servers run side by
    side and each operation is measured on one dataset right after the other, so that the
    large/small comparison is not skewed by what else the shared machine was doing between
    two distant measurements."""
    pairs = [(dataset, build) for dataset in args.datasets for build in args.builds]
    prepared = [prepare(kind, dataset, DATASETS[dataset], args, workdir, port + n, build)
                for n, (dataset, build) in enumerate(pairs)]
    servers = []
    # With --jwt, beside each server one with sign-in on the same database.
    signed_in = []
    rows = []
    try:
        for n, (p, (_, binary)) in enumerate(zip(prepared, (build for _, build in pairs))):
            servers.append(Server(binary, p.database_url, port + n, workdir))
            if args.jwt:
                signed_in.append(Server(binary, p.database_url, port + len(pairs) + n, workdir,
                                        options=sign_in_options(workdir), token=p.token))
        for step in range(len(prepared[0].operations)):
            for n, (p, server) in enumerate(zip(prepared, servers)):
                name, bodies = p.operations[step]
                if args.jwt and name in JWT_OPERATIONS:
                    # Right after the unauthenticated run of the same operation, so the ratio
                    # compares two measurements of the same moment of the shared machine.
                    jwt_server = signed_in[n]
                    response = jwt_server.graphql(bodies[0]["query"], bodies[0].get("variables"))
                    jwt_statements = response["extensions"]["sql"]["statements"]
                    if name == "M1":
                        jwt_server.graphql(REMOVE, bodies[0]["variables"])
                    else:
                        unauthenticated = server.graphql(bodies[0]["query"], bodies[0].get("variables"))
                        if response["data"] != unauthenticated["data"]:
                            sys.exit(f"{kind}/{p.dataset}: {name} signed in answers otherwise than unauthenticated")
                else:
                    jwt_server = None
                statements, sql = p.costs[name][0]
                log(f"{kind}/{p.dataset}/{p.build}: {name} ({statements} statements) for {args.duration}s")
                measured = drive(server, workdir, f"{kind}-{p.dataset}-{p.build}-{name[:2]}", bodies, args.duration)
                floor = None
                if kind == "postgres" and name[:2] in ("Q1", "Q2", "Q3", "M1"):
                    floor = pgbench_floor(workdir, p.database_url, f"{p.dataset}-{p.build}-{name[:2]}",
                                          [sql for _, sql in p.costs[name]], args.duration)
                    if args.explain and name in ("Q1", "Q2"):
                        for statement in sql:
                            plan_text = run(["psql", p.database_url, "-Atc", "EXPLAIN " + statement.rstrip(";")],
                                            capture_output=True).stdout
                            print(f"\n-- {kind}/{p.dataset} {name}\n{statement}\n{plan_text}", file=sys.stderr)
                rows.append(dict(db=kind, dataset=p.dataset, build=p.build, op=name, **measured,
                                 statements=statements, rss=server.peak_rss_mib(), floor=floor))
                if jwt_server:
                    log(f"{kind}/{p.dataset}/{p.build}: {name} signed in ({jwt_statements} statements) "
                        f"for {args.duration}s")
                    measured = drive(jwt_server, workdir, f"{kind}-{p.dataset}-{p.build}-{name[:2]}-jwt",
                                     bodies, args.duration)
                    rows.append(dict(db=kind, dataset=p.dataset, build=p.build, op=f"{name} signed in", **measured,
                                     statements=jwt_statements, rss=jwt_server.peak_rss_mib(), floor=None,
                                     unauthenticated=rows[-1]))
    finally:
        for server in servers + signed_in:
            server.stop()
    # The table groups each dataset's operations together, then each build's.
    labels = [label for label, _ in args.builds]
    return sorted(rows, key=lambda row: (args.datasets.index(row["dataset"]), labels.index(row["build"])))


# What a server holds of PostgreSQL's connections at most: its pool (the default
# `--db-max-connections`, 10) and the history's listener.
SERVER_CONNECTIONS = 11


def check_connections(args):
    """Every server of a PostgreSQL run stays up, each able to hold SERVER_CONNECTIONS, while
    pgbench opens CONNECTIONS more: refused at the start, not by a floor minutes in."""
    servers = len(args.builds) * len(args.datasets) * (2 if args.jwt else 1)
    needed = servers * SERVER_CONNECTIONS + CONNECTIONS + 5
    allowed = int(run(["psql", args.postgres_url, "-Atc", "SHOW max_connections"], capture_output=True).stdout)
    if allowed < needed:
        sys.exit(f"PostgreSQL allows {allowed} connections and this run needs up to {needed} ({servers} servers "
                 f"of {SERVER_CONNECTIONS} and pgbench's {CONNECTIONS}): raise max_connections "
                 f"(ALTER SYSTEM SET max_connections = {needed}, then restart PostgreSQL) or run fewer servers "
                 f"(fewer --datasets or --server, no --jwt)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["small", "large"], choices=DATASETS)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per operation")
    parser.add_argument("--explain", action="store_true", help="print PostgreSQL plans of Q1 and Q2")
    parser.add_argument("--jwt", action="store_true",
                        help="also run Q1, Q2, Q3 and M1 as a signed-in OWNER (HS256 JWT) on a server with "
                             "sign-in, each right after its unauthenticated run, and print the ratio")
    parser.add_argument("--server", action="append", metavar="LABEL=BINARY", dest="servers",
                        help="measure this built server (repeatable: several builds side by side, each "
                             "operation on each build back to back); default: build this checkout")
    parser.add_argument("--postgres-url",
                        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    for tool in ("wrk", "pgbench", "psql"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install -y wrk postgresql-client")

    if args.servers:
        args.builds = [tuple(server.split("=", 1)) for server in args.servers]
    else:
        log("building the release server")
        run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
        args.builds = [("this", SERVER)]
    if "postgres" in args.databases:
        check_connections(args)
    rows = []
    with tempfile.TemporaryDirectory(prefix="userplan-bench-") as workdir:
        for n, kind in enumerate(args.databases):
            rows += bench_database(kind, args, workdir, 18_000 + 10 * n)

    cpus = os.cpu_count()
    print(f"\nuserplan benchmark, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {cpus} cores, "
          f"{CONNECTIONS} connections, {args.duration}s per operation")
    several = len(args.builds) > 1
    header = (("build",) if several else ()) + (
        "db", "dataset", "op", "req/s", "p50 ms", "p99 ms", "SQL/req", "peak RSS MiB", "floor req/s", "server/floor",
        "server CPU s/1k req", "PostgreSQL CPU s/1k req")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        floor = f"{row['floor']:.0f}" if row["floor"] else ""
        ratio = f"{row['rps'] / row['floor']:.2f}" if row["floor"] else ""
        build = f"{row['build']} | " if several else ""
        db_cpu = f"{row['db_cpu']:.3f}" if row["db"] == "postgres" else ""
        print(f"| {build}{row['db']} | {row['dataset']} | {row['op']} | {row['rps']:.0f} | {row['p50']:.2f} | "
              f"{row['p99']:.2f} | {row['statements']} | {row['rss']:.1f} | {floor} | {ratio} | "
              f"{row['server_cpu']:.3f} | {db_cpu} |")
    by_key = {(r["db"], r["dataset"], r["op"][:2]): r for r in rows if r["build"] == args.builds[0][0]}
    ratios = []
    for db in args.databases:
        for op in ("Q1", "Q3", "Q4"):
            small, large = by_key.get((db, "small", op)), by_key.get((db, "large", op))
            if small and large:
                ratios.append(f"{db} {op} {large['p50'] / small['p50']:.2f}")
    if ratios:
        print("\nlarge/small p50: " + ", ".join(ratios))
    signed_in = [row for row in rows if "unauthenticated" in row]
    if signed_in:
        print("\n| " + ("build | " if several else "") + "db | dataset | op | unauthenticated req/s | "
              "signed-in req/s | signed in / unauthenticated |")
        print("|" + "---|" * (7 if several else 6))
        for row in signed_in:
            build = f"{row['build']} | " if several else ""
            before = row["unauthenticated"]
            print(f"| {build}{row['db']} | {row['dataset']} | {before['op']} | {before['rps']:.0f} | "
                  f"{row['rps']:.0f} | {row['rps'] / before['rps']:.2f} |")


if __name__ == "__main__":
    main()
