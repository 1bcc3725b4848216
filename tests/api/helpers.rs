//! `spawn_app`: a real server on 127.0.0.1 (an ephemeral port) over a fresh database of its
//! own, so tests run in parallel. PostgreSQL tests run when `TEST_POSTGRES_URL` is set.
//! `TestApp` sends requests (`post`, `data`, `error`, `statements`...); beside it, in
//! `helpers/`: a method per membership mutation (`memberships`), the rows a test starts
//! from (`fixture`), what the tables hold (`tables`), values read out of responses
//! (`responses`), databases of a test's own (`database`) and bounded waits (`waiting`).
//! The calls into the server's own code (config, db, service::seed, http) are all here.

use std::net::SocketAddr;

use sea_orm::{DatabaseConnection, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::documents::{CREATE_PLAN, CREATE_USER};

mod database;
mod fixture;
mod memberships;
mod responses;
mod sign_in;
mod tables;
mod waiting;

pub use database::TestDatabase;
pub use fixture::Fixture;
pub use memberships::{Changes, Membership};
pub use responses::*;
pub use sign_in::*;
pub use tables::sessions_waiting_for_a_lock;
pub use waiting::{eventually, post_within};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub address: SocketAddr,
    /// A connection of the test's own, for reading the tables directly.
    pub db: DatabaseConnection,
    client: reqwest::Client,
    database_url: String,
    /// The server's statements, kept only while a test asks (`TestApp::sql_of_as`).
    recorder: userplan::db::StatementRecorder,
    /// Dropped with the first instance on a database; other instances share it.
    _database: Option<TestDatabase>,
}

/// Runs each named test once per backend: `sqlite` always, `postgres` when
/// `TEST_POSTGRES_URL` is set. The test is a plain function next to the macro call; it
/// takes a server on a fresh database (`app: TestApp`), or only the backend
/// (`backend: Backend`) when it makes its own databases:
///
/// ```ignore
/// on_both_databases!(creates_a_user);
/// async fn creates_a_user(app: TestApp) { ... }
/// ```
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::helpers::run_on($crate::helpers::Backend::Sqlite, super::$name).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::helpers::run_on($crate::helpers::Backend::Postgres, super::$name)
                        .await;
                }
            }
        )+
    };
}

/// What a test run by [`on_both_databases!`] takes: `Takes` is `TestApp` or `Backend`.
pub trait DatabaseTest<Takes> {
    fn run(self, backend: Backend) -> impl Future<Output = ()>;
}

impl<F: FnOnce(TestApp) -> Fut, Fut: Future<Output = ()>> DatabaseTest<TestApp> for F {
    async fn run(self, backend: Backend) {
        self(spawn_app(backend).await).await
    }
}

impl<F: FnOnce(Backend) -> Fut, Fut: Future<Output = ()>> DatabaseTest<Backend> for F {
    async fn run(self, backend: Backend) {
        self(backend).await
    }
}

/// Runs `test` on `backend`; on PostgreSQL only when it is configured (the skip is counted).
pub async fn run_on<Takes>(backend: Backend, test: impl DatabaseTest<Takes>) {
    if backend == Backend::Postgres && !postgres_or_skip() {
        return;
    }
    test.run(backend).await
}

pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// `None` (the test is skipped, and the skip counted) when no PostgreSQL is configured.
pub async fn spawn_postgres_app() -> Option<TestApp> {
    if postgres_or_skip() {
        Some(spawn_app(Backend::Postgres).await)
    } else {
        None
    }
}

/// Whether PostgreSQL is configured; when not, the skipped PostgreSQL run is counted.
pub fn postgres_or_skip() -> bool {
    let configured = postgres_url().is_some();
    if !configured {
        crate::postgres_skips::skip_postgres_run();
    }
    configured
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// A server started with these `userplan serve` options, besides `--sql-stats`.
pub async fn spawn_app_with(backend: Backend, options: &[&str]) -> TestApp {
    spawn_app_on(TestDatabase::create(backend).await, options).await
}

/// A server on a database the test prepared (migrating it if needed); the server owns the
/// database from now on.
pub async fn spawn_app_on(database: TestDatabase, options: &[&str]) -> TestApp {
    let mut app = start_server(&database.url, options).await;
    app._database = Some(database);
    app
}

/// A server on an existing database (migrating it if needed), built as `userplan serve`
/// builds it, on an ephemeral port.
async fn start_server(database_url: &str, options: &[&str]) -> TestApp {
    let mut args =
        userplan::config::ServeArgs::from_args(std::iter::once(&"--sql-stats").chain(options))
            .expect("arguments");
    args.listen = "127.0.0.1:0".parse().expect("address");
    let recorder = userplan::db::StatementRecorder::default();
    let server = userplan::app::Application::build_recording(database_url, &args, recorder.clone())
        .await
        .expect("build");
    let address = server.address();
    tokio::spawn(async move {
        server
            .run_until_stopped(std::future::pending())
            .await
            .expect("serve")
    });
    let db = userplan::db::connect(database_url, None)
        .await
        .expect("connect");
    TestApp {
        address,
        db,
        client: reqwest::Client::new(),
        database_url: database_url.to_owned(),
        recorder,
        _database: None,
    }
}

/// A server with the default options on a pool the test made (one that cannot reach its
/// database, say), without migrating; its address.
pub async fn serve_on_pool(db: DatabaseConnection) -> SocketAddr {
    let args = userplan::config::ServeArgs::from_args(Vec::<String>::new()).expect("arguments");
    let state = userplan::http::AppState::new(db, &args).expect("state");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, userplan::http::router(state)).await });
    address
}

impl TestApp {
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// A second server instance on this app's database, as when several instances run
    /// behind a load balancer.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(&[]).await
    }

    /// Another instance on this app's database, started with these options.
    pub async fn another_instance_with(&self, options: &[&str]) -> TestApp {
        start_server(&self.database_url, options).await
    }

    /// This app's database served with these options instead; the new instance owns the
    /// database from now on.
    pub async fn restarted_with(mut self, options: &[&str]) -> TestApp {
        let mut app = self.another_instance_with(options).await;
        app._database = self._database.take();
        app
    }

    /// A server like this one on a fresh database of the same kind.
    pub async fn on_a_fresh_database(&self) -> TestApp {
        spawn_app(self.backend()).await
    }

    pub fn backend(&self) -> Backend {
        match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// The statement with which a membership write on PostgreSQL takes its locks (SQLite's write
    /// lock covers the whole database).
    pub fn lock_statements(&self) -> u64 {
        u64::from(self.backend() == Backend::Postgres)
    }

    /// The statement with which a membership write records its events in the history (and
    /// on PostgreSQL wakes every instance's reader), however many there are.
    pub fn history_statements(&self) -> u64 {
        1
    }

    /// GETs `path` as a browser opening it does (`Accept: text/html`).
    pub async fn browse(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("accept", "text/html")
            .send()
            .await
            .expect("request")
    }

    /// This server, with every request the test sends through it carrying
    /// `Authorization: Bearer <bearer>` (`post_as` still sends its own): the service token,
    /// for the changes a test makes on a server with sign-in.
    pub fn with_bearer(mut self, bearer: &str) -> TestApp {
        let mut headers = reqwest::header::HeaderMap::new();
        let value = format!("Bearer {bearer}").parse().expect("a header value");
        headers.insert(reqwest::header::AUTHORIZATION, value);
        self.client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .expect("client");
        self
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// POSTs a GraphQL request and returns the whole JSON response.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        self.send(None, &json!({ "query": query, "variables": variables }))
            .await
    }

    /// POSTs a GraphQL request with `Authorization: Bearer <bearer>`.
    pub async fn post_as(&self, bearer: &str, query: &str, variables: Value) -> Value {
        self.send(
            Some(bearer),
            &json!({ "query": query, "variables": variables }),
        )
        .await
    }

    /// POSTs a body (a request, or an array of them: a batch), with the bearer if any.
    pub async fn send(&self, bearer: Option<&str>, body: &Value) -> Value {
        let mut request = self.client.post(self.url("/graphql")).json(body);
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 200, "GraphQL over POST answers 200");
        response.json().await.expect("JSON body")
    }

    /// The `data` of a request that must succeed.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        self.data_by(None, query, variables).await
    }

    /// The first error of a request that must fail.
    pub async fn error(&self, query: &str, variables: Value) -> Value {
        let response = self.post(query, variables).await;
        response["errors"][0].clone()
    }

    /// The `extensions.code` of a request that must fail.
    pub async fn error_code(&self, query: &str, variables: Value) -> String {
        let error = self.error(query, variables).await;
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {error:#}"))
            .to_owned()
    }

    /// The statements the server ran, values included, for one request that must succeed,
    /// sent with this bearer if any. The test must send nothing else meanwhile.
    pub async fn sql_of_as(
        &self,
        bearer: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Vec<Statement> {
        self.recorder.start();
        let body = json!({ "query": query, "variables": variables });
        let response = self.send(bearer, &body).await;
        let statements = self.recorder.stop();
        assert!(response.get("errors").is_none(), "{response:#}");
        // A signed-in request's credential is looked up first (is the user still there?):
        // one primary-key SELECT that belongs to the credential, not to the operation,
        // and is left out of `extensions.sql` too.
        statements
            .into_iter()
            .filter(|statement| !is_sign_in_lookup(&statement.sql))
            .collect()
    }

    /// How many times the server looked up a signed-in user while these requests ran, one
    /// after the other, each `(bearer, query)`. The test must send nothing else meanwhile.
    pub async fn sign_in_lookups(&self, requests: &[(&str, &str)]) -> usize {
        self.recorder.start();
        for (bearer, query) in requests {
            let body = json!({ "query": query });
            let response = self.send(Some(bearer), &body).await;
            assert!(response.get("errors").is_none(), "{response:#}");
        }
        let statements = self.recorder.stop();
        statements
            .iter()
            .filter(|statement| is_sign_in_lookup(&statement.sql))
            .count()
    }

    /// How many SQL statements a request ran (the server runs with `--sql-stats`).
    pub async fn statements(&self, query: &str, variables: Value) -> u64 {
        statement_count(&self.post(query, variables).await)
    }

    /// [`TestApp::statements`] for a request sent with this bearer.
    pub async fn statements_as(&self, bearer: &str, query: &str, variables: Value) -> u64 {
        statement_count(&self.post_as(bearer, query, variables).await)
    }

    /// POSTs with `Authorization: Bearer <bearer>` when there is one.
    pub async fn post_by(&self, bearer: Option<&str>, query: &str, variables: Value) -> Value {
        self.send(bearer, &json!({ "query": query, "variables": variables }))
            .await
    }

    /// The `data` of a request that must succeed, sent with `bearer` if there is one.
    async fn data_by(&self, bearer: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self.post_by(bearer, query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
    }

    pub async fn create_user(&self, email: &str, name: &str) -> Uuid {
        self.create_user_by(None, email, name).await
    }

    pub async fn create_user_by(&self, bearer: Option<&str>, email: &str, name: &str) -> Uuid {
        let input = json!({ "email": email, "name": name });
        let data = self
            .data_by(bearer, CREATE_USER, json!({ "input": input }))
            .await;
        uuid(&data["createUser"]["id"])
    }

    pub async fn create_plan(&self, name: &str) -> Uuid {
        self.create_plan_by(None, name).await
    }

    pub async fn create_plan_by(&self, bearer: Option<&str>, name: &str) -> Uuid {
        let input = json!({ "input": { "name": name } });
        let data = self.data_by(bearer, CREATE_PLAN, input).await;
        uuid(&data["createPlan"]["id"])
    }

    /// Rows written by the `seed` command's generator, straight to the database: for tests
    /// that need thousands.
    pub async fn seed(&self, seed: Seed) {
        let sizes = userplan::service::seed::SeedSizes {
            users: seed.users,
            plans: seed.plans,
            links_per_user: seed.memberships_per_user,
            seed: seed.random_seed,
        };
        userplan::service::seed::run(&self.db, sizes)
            .await
            .expect("seed");
    }
}

/// What [`TestApp::seed`] writes: the same `random_seed` gives the same rows.
pub struct Seed {
    pub users: u32,
    pub plans: u32,
    pub memberships_per_user: u32,
    pub random_seed: u64,
}

/// A connection of the test's own to a database, opened as the server opens its own.
pub async fn connect(database_url: &str) -> DatabaseConnection {
    userplan::db::connect(database_url, None)
        .await
        .expect("connect")
}

/// Shows the server's warnings and errors in the test's output (`RUST_LOG` overrides), for
/// the detail of a failure.
pub fn show_server_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "userplan=warn".into()),
        )
        .with_test_writer()
        .try_init();
}

/// Runs a property test whose cases talk to the server. proptest drives cases
/// synchronously; each runs on the test's own runtime, where the server runs too. Panics
/// with proptest's report (the smallest failing case) when one fails.
pub fn run_cases<S: proptest::strategy::Strategy>(
    config: proptest::test_runner::Config,
    strategy: S,
    case: impl AsyncFn(S::Value) -> Result<(), proptest::test_runner::TestCaseError>,
) {
    let runtime = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        proptest::test_runner::TestRunner::new(config)
            .run(&strategy, |value| runtime.block_on(case(value)))
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

/// The statement count of a response that must have succeeded.
fn statement_count(response: &Value) -> u64 {
    assert!(response.get("errors").is_none(), "{response:#}");
    response["extensions"]["sql"]["statements"]
        .as_u64()
        .expect("extensions.sql.statements")
}

fn is_sign_in_lookup(sql: &str) -> bool {
    matches!(
        sql,
        "SELECT id FROM users WHERE id = ?"
            | "SELECT id FROM users WHERE id = $1"
            | "SELECT id FROM users WHERE email_key = ?"
            | "SELECT id FROM users WHERE email_key = $1"
    )
}
