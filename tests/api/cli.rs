//! The real binary's command line: options before or after every command, boolean
//! environment values, the CORS origins it takes or refuses at start, SQLite files it
//! creates, and the `migrate` and `seed` commands, each on a fresh database.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::binary::*;
use crate::documents::{CREATE_PLAN, CREATE_USER};
use crate::helpers::*;
use crate::on_both_databases;

/// The output of `migrate status` when every migration has this status.
pub fn every_migration(status: &str) -> String {
    Migrator::migrations()
        .iter()
        .map(|migration| format!("{} {status}\n", migration.name()))
        .collect()
}

async fn count_users_named(url: &str, email: &str) -> i64 {
    let db = connect(url).await;
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT count(*) AS n FROM users WHERE email = $1",
        _ => "SELECT count(*) AS n FROM users WHERE email = ?",
    };
    let stmt = Statement::from_sql_and_values(backend, sql, [email.into()]);
    let row = db.query_one_raw(stmt).await.unwrap().unwrap();
    row.try_get("", "n").unwrap()
}

on_both_databases!(migrate_takes_options_before_or_after_the_command);
async fn migrate_takes_options_before_or_after_the_command(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    let up = run(&["--database-url", url, "migrate", "up"], &[]).await;
    assert!(up.status.success(), "{}", stderr(&up));
    for args in [
        ["--database-url", url, "migrate", "status"],
        ["migrate", "--database-url", url, "status"],
        ["migrate", "status", "--database-url", url],
    ] {
        let status = run(&args, &[]).await;
        assert!(status.status.success(), "{args:?}: {}", stderr(&status));
        assert_eq!(stdout(&status), every_migration("Applied"), "{args:?}");
    }
}

on_both_databases!(serve_takes_options_before_or_after_the_command);
async fn serve_takes_options_before_or_after_the_command(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    let listen = ["--listen", "127.0.0.1:0"];
    let forms: [&[&str]; 4] = [
        &[
            "--database-url",
            url,
            "--sql-stats",
            "serve",
            listen[0],
            listen[1],
        ],
        &[
            "serve",
            "--database-url",
            url,
            "--sql-stats",
            listen[0],
            listen[1],
        ],
        &[
            listen[0],
            listen[1],
            "--sql-stats",
            "serve",
            "--database-url",
            url,
        ],
        &["--sql-stats", "--database-url", url, listen[0], listen[1]],
    ];
    for (form, args) in forms.iter().enumerate() {
        let server = ServerProcess::start(args, &[]).await;
        let email = format!("form{form}@example.com");
        let input = json!({ "email": email, "name": "F" });
        let created = server.post(CREATE_USER, json!({ "input": input })).await;
        assert!(created.get("errors").is_none(), "{args:?}: {created}");
        assert!(
            created["extensions"]["sql"]["statements"].is_u64(),
            "--sql-stats in {args:?}: {created}"
        );
        assert_eq!(
            count_users_named(url, &email).await,
            1,
            "the database of {args:?}"
        );
    }
}

on_both_databases!(a_server_option_given_to_another_command_is_refused);
async fn a_server_option_given_to_another_command_is_refused(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let url = database.url.as_str();
    for args in [
        [
            "--listen",
            "127.0.0.1:0",
            "migrate",
            "up",
            "--database-url",
            url,
        ],
        [
            "migrate",
            "up",
            "--database-url",
            url,
            "--listen",
            "127.0.0.1:0",
        ],
    ] {
        let refused = run(&args, &[]).await;
        assert_eq!(refused.status.code(), Some(2), "{args:?}");
        let message = stderr(&refused);
        assert!(
            message.contains("--listen is an option of `serve`"),
            "{message}"
        );
    }
    let status = run(&["migrate", "status", "--database-url", url], &[]).await;
    assert_eq!(
        stdout(&status),
        every_migration("Pending"),
        "nothing was migrated"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_takes_options_before_or_after_the_command() {
    let plain = run(&["schema"], &[]).await;
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert!(stdout(&plain).contains("type Query"), "{}", stdout(&plain));
    for args in [
        ["--database-url", "sqlite://unused.db", "schema"],
        ["schema", "--database-url", "sqlite://unused.db"],
        ["--log-format", "json", "schema"],
    ] {
        let output = run(&args, &[]).await;
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert_eq!(stdout(&output), stdout(&plain), "{args:?}");
    }
}

/// Each flag's environment variable, observed through what the server does: whether it
/// migrated its empty database, reports SQL statistics, answers introspection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boolean_environment_variables_take_every_usual_spelling() {
    for (value, on) in [
        ("1", true),
        ("yes", true),
        ("on", true),
        ("True", true),
        ("0", false),
        ("no", false),
        ("off", false),
        ("FALSE", false),
    ] {
        let database = TestDatabase::create(Backend::Sqlite).await;
        let env = [
            ("DATABASE_URL", database.url.as_str()),
            ("NO_MIGRATE", value),
            ("SQL_STATS", value),
            ("NO_INTROSPECTION", value),
        ];
        let server = ServerProcess::start(&["--listen", "127.0.0.1:0"], &env).await;
        let typename = server.post("{ __typename }", json!({})).await;
        assert_eq!(
            typename["data"]["__typename"], "Query",
            "{value}: {typename}"
        );
        assert_eq!(
            typename["extensions"]["sql"].is_object(),
            on,
            "SQL_STATS={value}: {typename}"
        );
        let users = server
            .post("{ users(first: 1) { totalCount } }", json!({}))
            .await;
        assert_eq!(
            users.get("errors").is_some(),
            on,
            "NO_MIGRATE={value}: {users}"
        );
        let schema = server
            .post("{ __schema { queryType { name } } }", json!({}))
            .await;
        let told = schema["data"]["__schema"]["queryType"]["name"] == "Query";
        assert_eq!(told, !on, "NO_INTROSPECTION={value}: {schema}");
    }
    let refused = run(&["--listen", "127.0.0.1:0"], &[("SQL_STATS", "maybe")]).await;
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("'maybe'"), "{}", stderr(&refused));
}

async fn preflight(server: &ServerProcess, origin: &str) -> reqwest::Response {
    server
        .client
        .request(reqwest::Method::OPTIONS, server.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await
        .expect("preflight")
}

fn allowed_origin(response: &reqwest::Response) -> Option<&str> {
    response
        .headers()
        .get("access-control-allow-origin")
        .map(|value| value.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_star_allows_any_origin_without_credentials() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let args = [
        "--cors-origin",
        "*",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        &database.url,
    ];
    let server = ServerProcess::start(&args, &[]).await;
    for origin in ["https://app.example.com", "http://localhost:5173", "null"] {
        let response = preflight(&server, origin).await;
        assert!(
            response.status().is_success(),
            "{origin}: {}",
            response.status()
        );
        assert_eq!(allowed_origin(&response), Some("*"), "{origin}");
        let credentials = response.headers().get("access-control-allow-credentials");
        assert!(credentials.is_none(), "{credentials:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_origins_from_the_environment_are_trimmed() {
    let database = TestDatabase::create(Backend::Sqlite).await;
    let env = [
        ("DATABASE_URL", database.url.as_str()),
        (
            "CORS_ORIGINS",
            " https://app.example.com , http://localhost:5173/ ,",
        ),
    ];
    let server = ServerProcess::start(&["--listen", "127.0.0.1:0"], &env).await;
    for origin in ["https://app.example.com", "http://localhost:5173"] {
        let response = preflight(&server, origin).await;
        assert_eq!(allowed_origin(&response), Some(origin), "{origin}");
    }
    for origin in [
        "https://evil.example.com",
        "https://app.example.com.evil.example",
        "http://app.example.com",
    ] {
        let response = preflight(&server, origin).await;
        assert_eq!(allowed_origin(&response), None, "{origin}");
    }
}

/// Refused before anything else happens (no database file), with one line naming the
/// value, and clap's status for a bad argument.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_origin_that_is_not_scheme_host_port_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("never.db");
    let url = format!("sqlite://{}?mode=rwc", file.display());
    for origin in [
        "app.example.com",
        "https://app.example.com/graphql",
        "https://*.example.com",
        "https://app.example.com:99999",
        "https://bücher.example",
        "https://😀.example",
        "https://app.example.com, *.example.com",
    ] {
        let listen = ["--listen", "127.0.0.1:0", "--database-url", &url];
        for (args, env) in [
            ([&listen[..], &["--cors-origin", origin]].concat(), vec![]),
            (listen.to_vec(), vec![("CORS_ORIGINS", origin)]),
        ] {
            let refused = run(&args, &env).await;
            let message = stderr(&refused);
            assert_eq!(refused.status.code(), Some(2), "{origin:?}: {message}");
            let errors: Vec<&str> = message
                .lines()
                .filter(|l| l.starts_with("error:"))
                .collect();
            assert_eq!(errors.len(), 1, "{message}");
            assert!(errors[0].contains("scheme://host[:port]"), "{message}");
            assert!(!message.contains("panicked"), "{message}");
        }
    }
    assert!(!file.exists(), "refused before opening the database");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_url_without_a_mode_creates_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("données de zoë.db");
    let url = format!("sqlite://{}", file.display());
    let server =
        ServerProcess::start(&["--listen", "127.0.0.1:0", "--database-url", &url], &[]).await;
    assert!(file.exists(), "{file:?}");
    let created = server
        .post(CREATE_PLAN, json!({ "input": { "name": "First" } }))
        .await;
    assert_eq!(created["data"]["createPlan"]["name"], "First", "{created}");
    drop(server);

    // A mode the URL names is kept: read-only does not create a missing file.
    let missing = dir.path().join("missing.db");
    let read_only = format!("sqlite://{}?mode=ro", missing.display());
    let refused = run(&["migrate", "status", "--database-url", &read_only], &[]).await;
    assert!(!refused.status.success(), "{}", stdout(&refused));
    assert!(!missing.exists());
}
