//! Connecting to the database, and counting the SQL statements each request runs.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, Statement};

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
    db.set_metric_callback(move |info| {
        // `RUST_LOG=userplan::sql=trace` prints every statement with its values inlined,
        // ready to replay (the benchmark replays them with pgbench).
        tracing::trace!(target: "userplan::sql", micros = info.elapsed.as_micros() as u64, "{};", info.statement);
        let _ = SQL_STATS.try_with(|stats| {
            stats.statements.fetch_add(1, Ordering::Relaxed);
            stats
                .micros
                .fetch_add(info.elapsed.as_micros() as u64, Ordering::Relaxed);
        });
        if let Some(recorder) = &recorder {
            recorder.record(info.statement);
        }
    });
    Ok(db)
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
