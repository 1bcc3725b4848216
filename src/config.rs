//! Command line and environment: one clap tree, every flag also read from an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::db::PoolOptions;
use crate::http::AllowedOrigins;
use crate::service::history::Retention;
use crate::service::seed::SeedSizes;

/// Parse it with [`Cli::parse_args`] (or [`Cli::try_parse_args_from`]), not with
/// `Parser::parse`: the derived parser alone takes the options only before a subcommand
/// and environment booleans only as `true`/`false`.
#[derive(Debug, Parser)]
#[command(
    name = "userplan",
    version,
    about = "GraphQL server for users, plans and their memberships",
    after_help = "Every option may come before or after the command; the server's options \
                  apply to `serve` (the default) only."
)]
pub struct Cli {
    /// Database to use: a SQLite file (created if missing) or a PostgreSQL URL.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://userplan.db")]
    pub database_url: String,

    /// Log lines as text for people or JSON for log shippers.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,

    /// Options of `serve`, the command that runs when none is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

impl Cli {
    /// The process's arguments; on a mistake, exits with clap's message (status 2).
    pub fn parse_args() -> Self {
        Self::try_parse_args_from(std::env::args_os()).unwrap_or_else(|err| err.exit())
    }

    pub fn try_parse_args_from<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut command = command_line();
        let matches = command.try_get_matches_from_mut(args)?;
        let cli = Self::from_arg_matches(&matches).map_err(|err| err.format(&mut command))?;
        let refusal = match matches.subcommand_name() {
            None | Some("serve") => cli.serve.access.check().err(),
            Some(other) => given_serve_option(&matches).map(|flag| {
                format!("--{flag} is an option of `serve`; `{other}` does not take it")
            }),
        };
        match refusal {
            Some(message) => Err(command.error(ErrorKind::ArgumentConflict, message)),
            None => Ok(cli),
        }
    }
}

/// A server option given on the command line (an environment variable is no mistake).
fn given_serve_option(matches: &clap::ArgMatches) -> Option<String> {
    serve_options()
        .find(|option| {
            matches.value_source(option.get_id().as_str()) == Some(ValueSource::CommandLine)
        })
        .and_then(|option| option.get_long().map(str::to_owned))
}

/// The derived command, made to take every option before or after the subcommand: the
/// options are global, so clap reads them at any level (later ones win). `serve`'s options
/// then reach every command; in the others' help they are hidden, and given they are
/// refused.
fn command_line() -> clap::Command {
    let mut command = Cli::command().mut_args(|arg| accept_boolish_env(arg).global(true));
    command.build();
    let serve: Vec<_> = serve_options().map(|arg| arg.get_id().clone()).collect();
    for sub in command
        .get_subcommands_mut()
        .filter(|sub| sub.get_name() != "serve")
    {
        hide_options(sub, &serve);
    }
    command
}

fn hide_options(command: &mut clap::Command, ids: &[clap::Id]) {
    *command = std::mem::take(command).mut_args(|arg| {
        if ids.contains(arg.get_id()) {
            arg.hide(true)
        } else {
            arg
        }
    });
    for sub in command.get_subcommands_mut() {
        hide_options(sub, ids);
    }
}

fn serve_options() -> impl Iterator<Item = Arg> {
    let serve = ServeArgs::augment_args(clap::Command::new("serve"));
    serve
        .get_arguments()
        .cloned()
        .collect::<Vec<_>>()
        .into_iter()
}

/// A flag's environment variable may say `1/0`, `true/false`, `yes/no` or `on/off`, as
/// deployment tools write booleans.
fn accept_boolish_env(arg: Arg) -> Arg {
    if matches!(arg.get_action(), ArgAction::SetTrue) {
        arg.value_parser(BoolishValueParser::new())
    } else {
        arg
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the GraphQL server (the default); its options may come before or after `serve`.
    Serve,
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

    /// Allow browsers on these origins to call the API: `scheme://host[:port]`, or `*` for
    /// any (comma-separated, repeatable; CORS is off without it).
    #[arg(long = "cors-origin", env = "CORS_ORIGINS", value_name = "ORIGINS")]
    pub cors_origins: Vec<AllowedOrigins>,

    /// Execute only the documents of this persisted-documents manifest (a JSON object of
    /// sha256 hash -> document, as GraphQL Code Generator's client preset writes it).
    #[arg(long, env = "TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<PathBuf>,

    /// Seconds that requests in flight get to finish after a shutdown signal.
    #[arg(long, env = "SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// How long the membership history keeps each change (`membershipHistory`, and how far
    /// back `membershipChanged(after:)` can resume): a number with s, m, h or d; `0` keeps
    /// everything.
    #[arg(long, env = "HISTORY_RETENTION", default_value = "30d")]
    pub history_retention: Retention,
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
        let mut command = Serve::command().mut_args(accept_boolish_env);
        let matches =
            command.try_get_matches_from_mut(program.chain(args.into_iter().map(Into::into)))?;
        let args = Serve::from_arg_matches(&matches)
            .map_err(|err| err.format(&mut command))?
            .args;
        match args.access.check() {
            Err(message) => Err(command.error(ErrorKind::ArgumentConflict, message)),
            Ok(()) => Ok(args),
        }
    }

    /// Every origin the `--cors-origin` values allow.
    pub fn allowed_origins(&self) -> AllowedOrigins {
        AllowedOrigins::all_of(&self.cors_origins)
    }

    /// The pool the server runs on: its statements stop at the request timeout.
    pub fn pool_options(&self) -> PoolOptions {
        PoolOptions {
            max_connections: self.db_max_connections,
            statement_timeout: Some(self.limits.request_timeout()),
            recorder: None,
        }
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

/// Checked by [`AccessArgs::check`] rather than by clap's `conflicts_with` / `requires`:
/// clap checks those on each side of the subcommand separately.
#[derive(Debug, Clone, Default, Args)]
pub struct AccessArgs {
    /// Bearer token that mutations and subscriptions require.
    #[arg(long, env = "API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,

    /// File holding the bearer token (surrounding whitespace ignored).
    #[arg(long, env = "API_TOKEN_FILE")]
    pub api_token_file: Option<PathBuf>,

    /// Require the token for queries too (with --api-token or --api-token-file).
    #[arg(long, env = "READ_TOKEN_REQUIRED")]
    pub read_token_required: bool,

    /// Listen on a non-loopback address without a token.
    #[arg(long, env = "ALLOW_UNAUTHENTICATED")]
    pub allow_unauthenticated: bool,

    #[command(flatten)]
    pub sign_in: SignInArgs,
}

/// Signed-in users (`Authorization: Bearer <JWT>` from an identity provider); see
/// `../shared/design/AUTH.md`. Sign-in is on when a key is given.
#[derive(Debug, Clone, Default, Args)]
pub struct SignInArgs {
    /// File holding the HS256/HS384/HS512 secret tokens are signed with (a trailing newline
    /// is not part of it).
    #[arg(long, env = "JWT_SECRET_FILE")]
    pub jwt_secret_file: Option<PathBuf>,

    /// File holding the PEM public key tokens are signed with: RSA (RS256/384/512,
    /// PS256/384/512), EC P-256 (ES256), EC P-384 (ES384) or Ed25519 (EdDSA).
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,

    /// File holding the JSON Web Key Set (`{"keys": [...]}`) tokens are signed with.
    #[arg(long, env = "JWKS_FILE")]
    pub jwks_file: Option<PathBuf>,

    /// The identity provider's JSON Web Key Set, fetched at start and refreshed (its
    /// `Cache-Control: max-age`, 1 min to 24 h; sooner for a token with an unknown `kid`).
    #[arg(long, env = "JWKS_URL")]
    pub jwks_url: Option<String>,

    /// The `iss` every token must carry (required with sign-in).
    #[arg(long, env = "JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// An `aud` every token must carry (required with sign-in).
    #[arg(long, env = "JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// The claim holding the signed-in user's id (`users.id`, a UUID).
    #[arg(long, env = "JWT_USER_CLAIM", default_value = "sub")]
    pub jwt_user_claim: String,

    /// How a token names its user: its user claim (`--jwt-user-claim`), or its `email`
    /// (with `email_verified: true`), matched to `users.email` ignoring case.
    #[arg(long, env = "JWT_IDENTITY", value_enum, default_value_t = JwtIdentity::UserClaim)]
    pub jwt_identity: JwtIdentity,

    /// A token whose `roles` claim holds this name is an administrator's.
    #[arg(long, env = "JWT_ADMIN_ROLE", default_value = "userplan-admin")]
    pub jwt_admin_role: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum JwtIdentity {
    #[default]
    UserClaim,
    Email,
}

impl SignInArgs {
    /// The refusal of more than one source of keys, if more were given.
    pub fn conflicting_key_sources(&self) -> Option<String> {
        let given: Vec<&str> = [
            ("--jwt-secret-file", self.jwt_secret_file.is_some()),
            ("--jwt-public-key-file", self.jwt_public_key_file.is_some()),
            ("--jwks-file", self.jwks_file.is_some()),
            ("--jwks-url", self.jwks_url.is_some()),
        ]
        .into_iter()
        .filter_map(|(flag, given)| given.then_some(flag))
        .collect();
        (given.len() > 1).then(|| {
            format!(
                "{} each give the keys tokens are signed with; give one of them",
                given.join(" and ")
            )
        })
    }
}

impl AccessArgs {
    /// The combinations that make no sense, as the message to refuse them with.
    fn check(&self) -> Result<(), String> {
        match self {
            Self {
                api_token: Some(_),
                api_token_file: Some(_),
                ..
            } => {
                Err("--api-token and --api-token-file both give the token; give one of them".into())
            }
            Self {
                api_token: None,
                api_token_file: None,
                read_token_required: true,
                ..
            } => Err("--read-token-required needs --api-token or --api-token-file".into()),
            Self { sign_in, .. } => sign_in.conflicting_key_sources().map_or(Ok(()), Err),
        }
    }
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Revert the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Revert every migration (dropping this server's tables and all their data), then
    /// apply them again; other tables in the database are left alone.
    Fresh {
        /// Confirm that all users, plans and memberships are to be deleted.
        #[arg(long)]
        yes: bool,
    },
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

impl From<&SeedArgs> for SeedSizes {
    fn from(args: &SeedArgs) -> Self {
        SeedSizes {
            users: args.users,
            plans: args.plans,
            links_per_user: args.links_per_user,
            seed: args.seed,
        }
    }
}
