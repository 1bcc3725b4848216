//! Connecting to the database, and counting the SQL statements each request runs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{self, AssertSqlSafe};
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, QueryResult, RuntimeErr, Statement, Values,
};
use sea_query_sqlx::SqlxValues;

/// What the statements of one request cost. Created per request and made visible to every
/// task working on that request through [`SQL_STATS`].
#[derive(Debug, Default)]
pub struct SqlStats {
    statements: AtomicU64,
    micros: AtomicU64,
}

impl SqlStats {
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    pub fn millis(&self) -> f64 {
        self.micros.load(Ordering::Relaxed) as f64 / 1000.0
    }
}

tokio::task_local! {
    /// The metric callback is pool-wide, so concurrent requests would mix their counts;
    /// a task-local scoped around each request (and each DataLoader task it spawns) keeps
    /// the count per request exact under any load.
    pub static SQL_STATS: Arc<SqlStats>;
}

/// Keeps the statements a pool runs, values included, while it is on: a test can then
/// EXPLAIN exactly what the server sent for a request, not a hand-built copy.
#[derive(Clone, Debug, Default)]
pub struct StatementRecorder(Arc<Recording>);

#[derive(Debug, Default)]
struct Recording {
    on: AtomicBool,
    statements: Mutex<Vec<Statement>>,
}

impl StatementRecorder {
    /// Starts keeping statements, forgetting any kept before.
    pub fn start(&self) {
        self.statements().clear();
        self.0.on.store(true, Ordering::SeqCst);
    }

    /// Stops, and returns the statements run since [`StatementRecorder::start`], in order.
    pub fn stop(&self) -> Vec<Statement> {
        self.0.on.store(false, Ordering::SeqCst);
        std::mem::take(&mut *self.statements())
    }

    fn record(&self, statement: &Statement) {
        if self.0.on.load(Ordering::Relaxed) {
            self.statements().push(statement.clone());
        }
    }

    fn statements(&self) -> std::sync::MutexGuard<'_, Vec<Statement>> {
        // A test that panicked while holding it leaves nothing half-pushed.
        self.0
            .statements
            .lock()
            .unwrap_or_else(|err| err.into_inner())
    }
}

/// How a pool is sized and timed, and who else sees its statements.
#[derive(Clone, Debug, Default)]
pub struct PoolOptions {
    /// Default: 10 on PostgreSQL, 4 on SQLite.
    pub max_connections: Option<u32>,
    /// PostgreSQL cancels a statement that runs longer (`statement_timeout`): a request
    /// that times out must not leave its query running.
    pub statement_timeout: Option<Duration>,
    /// Offered every statement the pool runs (tests EXPLAIN them).
    pub recorder: Option<StatementRecorder>,
}

/// A pool for a command that runs its own statements (`migrate`, `seed`, tests reading
/// tables): no time limit, nothing recorded.
pub async fn connect(url: &str, max_connections: Option<u32>) -> Result<DatabaseConnection, DbErr> {
    connect_with(
        url,
        &PoolOptions {
            max_connections,
            ..PoolOptions::default()
        },
    )
    .await
}

pub async fn connect_with(url: &str, pool: &PoolOptions) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    let (statement_timeout, recorder) = (pool.statement_timeout, pool.recorder.clone());
    let sqlite = url.starts_with("sqlite:");
    // sqlx opens a missing SQLite file only with `?mode=rwc`; a plain path is what people
    // write, and the file is then created. A mode the URL names (`ro`, `rw`) is kept.
    let mode_named = url_names_parameter(url, &["mode"]);
    let ssl_mode_named = url_names_parameter(url, &["sslmode", "ssl-mode"])
        || std::env::var_os("PGSSLMODE").is_some();
    options
        .max_connections(pool.max_connections.unwrap_or(if sqlite { 4 } else { 10 }))
        .min_connections(1)
        // A database that is away must turn into a quick, retryable error, not a hung request.
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings a connection on every checkout by default: a round trip per statement
        // (and it pings again on release). Only a connection idle long enough to have been
        // dropped is tested; a busy one that died fails its statement, which is reported as
        // SERVICE_UNAVAILABLE (retryable) and the connection is replaced.
        .test_before_acquire_if_idle_for(Duration::from_secs(1))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |opts| {
            // WAL lets readers run beside the one writer; the busy timeout makes a second
            // writer wait for the lock instead of failing at once. Foreign keys are on so
            // cascades behave as on PostgreSQL.
            let opts = if mode_named {
                opts
            } else {
                opts.create_if_missing(true)
            };
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
        })
        .map_sqlx_postgres_opts(move |opts| {
            let opts = if ssl_mode_named {
                opts
            } else {
                without_tls_on_loopback(opts)
            };
            match statement_timeout {
                Some(timeout) => {
                    opts.options([("statement_timeout", format!("{}ms", timeout.as_millis()))])
                }
                None => opts,
            }
        });
    let mut db = Database::connect(options).await?;
    if let Some(recorder) = &recorder {
        let key = pool_key(&db);
        let mut recorders = recorders();
        recorders.retain(|(pool, _)| *pool != key);
        recorders.push((key, recorder.clone()));
        ANY_RECORDER.store(true, Ordering::Relaxed);
    }
    db.set_metric_callback(move |info| observe(info.statement, info.elapsed, recorder.as_ref()));
    Ok(db)
}

/// What every statement the server runs is offered, whichever way it went (sea-orm's
/// metric callback, or [`Reads`] straight to sqlx).
fn observe(statement: &Statement, elapsed: Duration, recorder: Option<&StatementRecorder>) {
    // `RUST_LOG=userplan::sql=trace` prints every statement with its values inlined,
    // ready to replay (the benchmark replays them with pgbench).
    tracing::trace!(target: "userplan::sql", micros = elapsed.as_micros() as u64, "{};", statement);
    let _ = SQL_STATS.try_with(|stats| {
        stats.statements.fetch_add(1, Ordering::Relaxed);
        stats
            .micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    });
    if let Some(recorder) = recorder {
        recorder.record(statement);
    }
}

/// The pools that have a recorder (tests only), for the reads that skip sea-orm and so its
/// metric callback, which holds the pool's recorder. A pool is known by its options' `Arc`,
/// which lives as long as the pool; a new pool at a dead one's address replaces its entry.
static RECORDERS: Mutex<Vec<(usize, StatementRecorder)>> = Mutex::new(Vec::new());
/// Whether [`RECORDERS`] was ever written: a server that records nothing never locks it.
static ANY_RECORDER: AtomicBool = AtomicBool::new(false);

fn recorders() -> std::sync::MutexGuard<'static, Vec<(usize, StatementRecorder)>> {
    RECORDERS.lock().unwrap_or_else(|err| err.into_inner())
}

fn pool_key(db: &DatabaseConnection) -> usize {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            Arc::as_ptr(&db.get_postgres_connection_pool().connect_options()) as usize
        }
        _ => Arc::as_ptr(&db.get_sqlite_connection_pool().connect_options()) as usize,
    }
}

fn recorder_of(db: &DatabaseConnection) -> Option<StatementRecorder> {
    if !ANY_RECORDER.load(Ordering::Relaxed) {
        return None;
    }
    let key = pool_key(db);
    recorders()
        .iter()
        .find(|(pool, _)| *pool == key)
        .map(|(_, recorder)| recorder.clone())
}

/// Reads by raw statement. On the pool they go to sqlx directly: sea-orm's query future,
/// boxed by `async_trait`, is kilobytes that are copied on its way in and again by every
/// level that awaits it, which with its pool checkout was a fifth of a point lookup's
/// instructions (README, "Figures behind the code's choices"). Inside a transaction they
/// are sea-orm's, which holds the transaction's connection. Errors are sea-orm's, so they
/// are classified alike ([`crate::error`]).
pub trait Reads: ConnectionTrait {
    fn read_all(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<Vec<QueryResult>, DbErr>> + Send;

    fn read_one(
        &self,
        statement: Statement,
    ) -> impl Future<Output = Result<Option<QueryResult>, DbErr>> + Send;
}

/// Runs `$read` (an expression over `$query`, `$values` and a connection named `$conn`)
/// on whichever pool `$db` has, and observes the statement; any other backend takes
/// `$otherwise` (sea-orm's own path).
macro_rules! on_pool {
    ($db:expr, $statement:expr, |$conn:ident, $query:ident, $values:ident| $read:expr,
     otherwise $otherwise:expr) => {{
        let started = Instant::now();
        let $values = SqlxValues($statement.values.clone().unwrap_or(Values(Vec::new())));
        let $query = AssertSqlSafe($statement.sql.as_str());
        let result = match $db.get_database_backend() {
            DbBackend::Postgres => {
                let mut $conn = checkout($db.get_postgres_connection_pool()).await?;
                $read
            }
            DbBackend::Sqlite => {
                let mut $conn = checkout($db.get_sqlite_connection_pool()).await?;
                $read
            }
            _ => return $otherwise,
        };
        observe(&$statement, started.elapsed(), recorder_of($db).as_ref());
        result.map_err(query_error)
    }};
}

impl Reads for DatabaseConnection {
    async fn read_all(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        on_pool!(self, statement, |conn, query, values| {
            let rows = sqlx::query_with(query, values).fetch_all(&mut *conn).await;
            rows.map(|rows| rows.into_iter().map(QueryResult::from).collect())
        }, otherwise self.query_all_raw(statement).await)
    }

    async fn read_one(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        on_pool!(self, statement, |conn, query, values| {
            let row = sqlx::query_with(query, values).fetch_optional(&mut *conn).await;
            row.map(|row| row.map(QueryResult::from))
        }, otherwise self.query_one_raw(statement).await)
    }
}

impl Reads for DatabaseTransaction {
    async fn read_all(&self, statement: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.query_all_raw(statement).await
    }

    async fn read_one(&self, statement: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.query_one_raw(statement).await
    }
}

/// A connection from the pool. Its failure is a connection error, as sea-orm reports it
/// (the database is away: SERVICE_UNAVAILABLE), not the statement's. sqlx's checkout
/// future is kilobytes: on the heap, the futures awaiting a read (a loader's task, the
/// sign-in's lookup inside the HTTP handler's future) stay small, and are not copied
/// whole as they move.
async fn checkout<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
) -> Result<sqlx::pool::PoolConnection<DB>, DbErr> {
    Box::pin(pool.acquire()).await.map_err(|err| match err {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        err => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err))),
    })
}

/// As sea-orm reports a failed query.
fn query_error(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(err)))
}

/// Whether the URL's query string sets one of `names`.
fn url_names_parameter(url: &str, names: &[&str]) -> bool {
    url.split_once('?').is_some_and(|(_, query)| {
        query.split('&').any(|pair| {
            pair.split('=')
                .next()
                .is_some_and(|name| names.contains(&name))
        })
    })
}

/// sqlx's default, like libpq's, is `sslmode=prefer`: TLS when the server offers it, with
/// no check of its certificate. Over loopback that protects nothing (only root can read
/// loopback traffic, and an unchecked certificate proves no server's identity), yet
/// encrypting and copying every message was 6% of a point lookup's instructions and a
/// sixth of PostgreSQL's CPU for it (README, "Figures behind the code's choices"). So a
/// loopback connection whose URL and `PGSSLMODE` name no mode goes without TLS; a named
/// mode is kept as named.
fn without_tls_on_loopback(options: PgConnectOptions) -> PgConnectOptions {
    let host = options
        .get_host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback());
    if loopback {
        options.ssl_mode(PgSslMode::Disable)
    } else {
        options
    }
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// `userplan migrate status`: each migration and whether it is applied, one a line. Read
/// only: it does not create the migrations table.
pub async fn migration_status(db: &DatabaseConnection) -> Result<String, DbErr> {
    let migrations = Migrator::get_migration_with_status_read_only(db).await?;
    Ok(migrations
        .iter()
        .map(|migration| format!("{} {}\n", migration.name(), migration.status()))
        .collect())
}

pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}
