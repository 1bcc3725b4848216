//! Command line and environment: one clap tree, every flag also read from an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "userplan",
    version,
    about = "GraphQL server for users, plans and their memberships"
)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// Database to use: a SQLite file (created on start) or a PostgreSQL URL.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        default_value = "sqlite://userplan.db?mode=rwc"
    )]
    pub database_url: String,

    /// Log lines as text for people or JSON for log shippers.
    #[arg(long, env = "LOG_FORMAT", global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of `serve`, the command that runs when none is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the GraphQL server (the default).
    Serve(Box<ServeArgs>),
    /// Apply or revert schema migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the GraphQL schema (SDL); `schema.graphql` is this output.
    Schema,
    /// Fill the database with deterministic demo data.
    Seed(SeedArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,

    /// Do not apply pending migrations at start.
    #[arg(long, env = "NO_MIGRATE")]
    pub no_migrate: bool,

    /// Add `extensions.sql = {statements, millis}` to every response.
    #[arg(long, env = "SQL_STATS")]
    pub sql_stats: bool,

    /// Largest connection pool to the database (default: 10 on PostgreSQL, 4 on SQLite).
    #[arg(long, env = "DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,

    #[command(flatten)]
    pub limits: Limits,

    #[command(flatten)]
    pub access: AccessArgs,

    /// Allow browsers on this origin to call the API (repeatable; CORS is off without it).
    #[arg(long = "cors-origin", env = "CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,

    /// Execute only the documents of this persisted-documents manifest (a JSON object of
    /// sha256 hash -> document, as GraphQL Code Generator's client preset writes it).
    #[arg(long, env = "TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<PathBuf>,

    /// Seconds that requests in flight get to finish after a shutdown signal.
    #[arg(long, env = "SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
}

impl ServeArgs {
    /// The options these arguments (and the environment) give, as `userplan serve` parses
    /// them: for embedding the server, and for tests.
    pub fn from_args<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(Parser)]
        struct Serve {
            #[command(flatten)]
            args: ServeArgs,
        }
        let program = std::iter::once(std::ffi::OsString::from("userplan"));
        Serve::try_parse_from(program.chain(args.into_iter().map(Into::into))).map(|s| s.args)
    }
}

/// What one request may ask of the server. Every rejection is a GraphQL error with a code.
#[derive(Debug, Clone, Args)]
pub struct Limits {
    /// Deepest selection nesting a query may have.
    #[arg(long, env = "MAX_DEPTH", default_value_t = 12)]
    pub max_depth: usize,

    /// Most rows a query may return at worst: each list counts its `first` (or its
    /// default) times what it selects on each row.
    #[arg(long, env = "MAX_COMPLEXITY", default_value_t = 100_000)]
    pub max_complexity: usize,

    /// Most fields (aliases included) a query document may select.
    #[arg(long, env = "MAX_FIELDS", default_value_t = 1_000)]
    pub max_fields: usize,

    /// Deepest nesting of the document itself (selections, lists, input objects).
    #[arg(long, env = "MAX_RECURSION", default_value_t = 32)]
    pub max_recursion: usize,

    /// Largest request body in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Most operations in one batched request (a JSON array).
    #[arg(long, env = "MAX_BATCH", default_value_t = 10)]
    pub max_batch: usize,

    /// Most ids one link mutation may name.
    #[arg(long, env = "MAX_LINK_IDS", default_value_t = 10_000)]
    pub max_link_ids: usize,

    /// Seconds a request may run before it is cancelled (its SQL too, on PostgreSQL).
    #[arg(long, env = "REQUEST_TIMEOUT_SECS", default_value_t = 10)]
    pub request_timeout_secs: u64,

    /// Disable introspection (and with it the GraphiQL page).
    #[arg(long, env = "NO_INTROSPECTION")]
    pub no_introspection: bool,
}

impl Limits {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

#[derive(Debug, Clone, Default, Args)]
#[command(group(ArgGroup::new("token").args(["api_token", "api_token_file"])))]
pub struct AccessArgs {
    /// Bearer token that mutations and subscriptions require.
    #[arg(
        long,
        env = "API_TOKEN",
        hide_env_values = true,
        conflicts_with = "api_token_file"
    )]
    pub api_token: Option<String>,

    /// File holding the bearer token (surrounding whitespace ignored).
    #[arg(long, env = "API_TOKEN_FILE")]
    pub api_token_file: Option<PathBuf>,

    /// Require the token for queries too.
    #[arg(long, env = "READ_TOKEN_REQUIRED", requires = "token")]
    pub read_token_required: bool,

    /// Listen on a non-loopback address without a token.
    #[arg(long, env = "ALLOW_UNAUTHENTICATED")]
    pub allow_unauthenticated: bool,
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Revert the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations from scratch.
    Fresh,
}

#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    #[arg(long, env = "SEED_USERS", default_value_t = 1000)]
    pub users: u32,
    #[arg(long, env = "SEED_PLANS", default_value_t = 50)]
    pub plans: u32,
    #[arg(long, env = "SEED_LINKS_PER_USER", default_value_t = 3)]
    pub links_per_user: u32,
    /// Random seed: the same seed gives the same rows.
    #[arg(long, env = "SEED", default_value_t = 1)]
    pub seed: u64,
}
