//! Command line and environment: one clap tree, every flag also read from an environment variable.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

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

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of `serve`, the command that runs when none is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the GraphQL server (the default).
    Serve(ServeArgs),
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
