//! `spawn_app`: a real server on 127.0.0.1 (an ephemeral port) over a fresh database of its
//! own, so tests run in parallel. PostgreSQL tests run when `TEST_POSTGRES_URL` is set.

use std::net::SocketAddr;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

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
    /// The server's statements, kept only while a test asks (`TestApp::sql_of`).
    recorder: userplan::db::StatementRecorder,
    /// Dropped with the first instance on a database; other instances share it.
    _database: Option<TestDatabase>,
}

/// Runs a test body once per backend: `sqlite` always, `postgres` when `TEST_POSTGRES_URL`
/// is set. The body gets a server on a fresh database (`app: TestApp`), or only the backend
/// (`backend: Backend`) for a test that makes its own databases.
#[macro_export]
macro_rules! on_both_databases {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn body($backend: $crate::helpers::Backend) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    body($crate::helpers::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if $crate::helpers::postgres_or_skip() {
                        body($crate::helpers::Backend::Postgres).await;
                    }
                }
            }
        )*
    };
    ($(async fn $name:ident($app:ident: TestApp) $body:block)*) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn body($app: $crate::helpers::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    body($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = $crate::helpers::spawn_postgres_app().await {
                        body(app).await;
                    }
                }
            }
        )*
    };
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

impl TestApp {
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

    /// The statement with which a link write on PostgreSQL takes its locks (SQLite's write
    /// lock covers the whole database).
    pub fn lock_statements(&self) -> u64 {
        u64::from(self.backend() == Backend::Postgres)
    }

    /// The statement with which a link write on PostgreSQL NOTIFYs its events to every
    /// instance.
    pub fn notify_statements(&self) -> u64 {
        u64::from(self.backend() == Backend::Postgres)
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

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// POSTs a GraphQL request and returns the whole JSON response.
    pub async fn post(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 200, "GraphQL over POST answers 200");
        response.json().await.expect("JSON body")
    }

    /// The `data` of a request that must succeed.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let response = self.post(query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors: {response:#}"
        );
        response["data"].clone()
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

    /// The statements the server ran, values included, for one request that must succeed.
    /// The test must send nothing else meanwhile.
    pub async fn sql_of(&self, query: &str, variables: Value) -> Vec<Statement> {
        self.recorder.start();
        let response = self.post(query, variables).await;
        let statements = self.recorder.stop();
        assert!(response.get("errors").is_none(), "{response:#}");
        statements
    }

    /// How many SQL statements a request ran (the server runs with `--sql-stats`).
    pub async fn statements(&self, query: &str, variables: Value) -> u64 {
        let response = self.post(query, variables).await;
        assert!(response.get("errors").is_none(), "{response:#}");
        response["extensions"]["sql"]["statements"]
            .as_u64()
            .expect("extensions.sql.statements")
    }

    pub async fn create_user(&self, email: &str, name: &str) -> Uuid {
        let data = self
            .data(
                "mutation($input: CreateUserInput!) { createUser(input: $input) { id } }",
                json!({ "input": { "email": email, "name": name } }),
            )
            .await;
        uuid(&data["createUser"]["id"])
    }

    pub async fn create_plan(&self, name: &str) -> Uuid {
        let data = self
            .data(
                "mutation($input: CreatePlanInput!) { createPlan(input: $input) { id } }",
                json!({ "input": { "name": name } }),
            )
            .await;
        uuid(&data["createPlan"]["id"])
    }

    pub async fn link(&self, user_id: Uuid, plan_id: Uuid, role: &str) {
        self.data(
            "mutation($input: CreateUserPlanInput!) { createUserPlan(input: $input) { userId } }",
            json!({ "input": { "userId": user_id, "planId": plan_id, "role": role } }),
        )
        .await;
    }

    /// Every row of the three tables, every column (timestamps and folded copies too), read
    /// straight from the database: tests compare it before and after a failing call to
    /// prove nothing was written, not even half.
    pub async fn snapshot(&self) -> Vec<String> {
        let mut rows = Vec::new();
        for (table, columns) in [
            (
                "users",
                "id, email, email_key, name, name_folded, inserted_at, updated_at",
            ),
            (
                "plans",
                "id, name, name_folded, description, inserted_at, updated_at",
            ),
            ("user_plans", "user_id, plan_id, role, inserted_at"),
        ] {
            let sql = format!("SELECT {columns} FROM {table} ORDER BY 1, 2");
            let stmt = Statement::from_string(self.db.get_database_backend(), sql);
            for row in self.db.query_all_raw(stmt).await.expect("snapshot") {
                let values: Vec<String> = (0..columns.split(", ").count())
                    .map(|n| {
                        if let Ok(id) = row.try_get_by_index::<Uuid>(n) {
                            id.to_string()
                        } else if let Ok(at) =
                            row.try_get_by_index::<chrono::DateTime<chrono::Utc>>(n)
                        {
                            at.to_rfc3339()
                        } else {
                            let text: Option<String> = row.try_get_by_index(n).expect("text");
                            format!("{text:?}")
                        }
                    })
                    .collect();
                rows.push(format!("{table} {}", values.join(" ")));
            }
        }
        rows
    }

    /// All ids of a table, in id order, read straight from the database.
    pub async fn ids(&self, table: &str) -> Vec<Uuid> {
        let sql = format!("SELECT id FROM {table} ORDER BY id");
        let stmt = Statement::from_string(self.db.get_database_backend(), sql);
        let rows = self.db.query_all_raw(stmt).await.expect("ids");
        rows.iter()
            .map(|row| row.try_get("", "id").unwrap())
            .collect()
    }

    /// The (user, plan, role) links in the database.
    pub async fn links(&self) -> Vec<(Uuid, Uuid, String)> {
        let stmt = Statement::from_string(
            self.db.get_database_backend(),
            "SELECT user_id, plan_id, role FROM user_plans ORDER BY user_id, plan_id",
        );
        self.db
            .query_all_raw(stmt)
            .await
            .expect("links")
            .iter()
            .map(|row| {
                (
                    row.try_get("", "user_id").unwrap(),
                    row.try_get("", "plan_id").unwrap(),
                    row.try_get("", "role").unwrap(),
                )
            })
            .collect()
    }
}

/// POSTs a GraphQL request that must be answered within `within`. `Err` is a failure of
/// the server, for the caller to report: a hang, a transport error, a status other than 200
/// or a body that is not JSON.
pub async fn post_within(
    client: &reqwest::Client,
    url: &str,
    query: &str,
    variables: Value,
    within: std::time::Duration,
) -> Result<Value, String> {
    let answer = async {
        let response = client
            .post(url)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .map_err(|err| format!("transport: {err}"))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .map_err(|err| format!("body: {err}"))?;
        if status != 200 {
            return Err(format!("status {status}: {body}"));
        }
        Ok(body)
    };
    tokio::time::timeout(within, answer)
        .await
        .map_err(|_| format!("no answer within {within:?}: {query}"))?
}

/// The `extensions.code` of a response's first error; `None` when it succeeded.
pub fn error_code(response: &Value) -> Option<&str> {
    response.get("errors").map(|errors| {
        errors[0]["extensions"]["code"]
            .as_str()
            .unwrap_or("(no code)")
    })
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

/// Polls `check` until it holds, failing the test after `within`: for what a test can
/// observe but not be told (a statement waiting on a lock, a port closing).
pub async fn eventually<F: AsyncFnMut() -> bool>(
    what: &str,
    within: std::time::Duration,
    mut check: F,
) {
    let deadline = std::time::Instant::now() + within;
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} did not happen within {within:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
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

pub fn uuid(value: &Value) -> Uuid {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a UUID: {value}"))
}

/// A `DateTime` in a response.
pub fn time(value: &Value) -> chrono::DateTime<chrono::Utc> {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| panic!("not a DateTime: {value}"))
}

/// A list of ids in a response, as UUIDs.
pub fn uuids(value: &Value) -> Vec<Uuid> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(uuid)
        .collect()
}

/// The `id`s of a list of objects (`[{ "id": ... }]`).
pub fn node_ids(value: &Value) -> Vec<Uuid> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|node| uuid(&node["id"]))
        .collect()
}

/// Ids sorted, as the link payloads report them.
pub fn sorted(ids: impl IntoIterator<Item = Uuid>) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    ids
}

/// A database that exists for one test: a SQLite file in a temporary directory, or a
/// PostgreSQL database created for the test and dropped after it.
pub struct TestDatabase {
    pub url: String,
    kind: DatabaseKind,
}

enum DatabaseKind {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDatabase {
                    url,
                    kind: DatabaseKind::Sqlite(dir),
                }
            }
            Backend::Postgres => {
                let admin_url = postgres_url().expect("TEST_POSTGRES_URL");
                let name = format!("userplan_test_{}", Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(&admin_url)
                    .await
                    .expect("TEST_POSTGRES_URL must reach PostgreSQL");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let (base, query) = match admin_url.split_once('?') {
                    Some((base, query)) => (base, format!("?{query}")),
                    None => (admin_url.as_str(), String::new()),
                };
                let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
                TestDatabase {
                    url: format!("{server}/{name}{query}"),
                    kind: DatabaseKind::Postgres { admin_url, name },
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let DatabaseKind::Postgres { admin_url, name } = &self.kind {
            let (admin_url, database) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot block on a future; a thread
            // with a runtime of its own can.
            let dropped = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(async {
                        let admin = sea_orm::Database::connect(&admin_url).await?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {database} WITH (FORCE)"
                            ))
                            .await?;
                        admin.close().await
                    })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop test database {name}");
            }
        }
    }
}
