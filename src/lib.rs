//! userplan: a GraphQL server for users, plans and the memberships between them.

pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod service;

use std::error::Error;

use migration::{Migrator, MigratorTrait};

use config::{Cli, Command, MigrateAction, ServeArgs};

pub type BoxError = Box<dyn Error + Send + Sync>;

pub async fn run(cli: Cli) -> Result<(), BoxError> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.database_url, cli.serve).await,
        Command::Schema => {
            print!("{}", graphql::schema::sdl());
            Ok(())
        }
        Command::Migrate { action } => {
            if let MigrateAction::Fresh { yes: false } = action {
                return Err("`migrate fresh` deletes all users, plans and memberships; \
                            run `userplan migrate fresh --yes` to confirm"
                    .into());
            }
            let db = db::connect(&cli.database_url, None).await?;
            match action {
                MigrateAction::Up => Migrator::up(&db, None).await?,
                MigrateAction::Down => Migrator::down(&db, Some(1)).await?,
                MigrateAction::Status => print!("{}", db::migration_status(&db).await?),
                // Each migration's `down` drops only what it created: other applications'
                // tables in the same database stay (sea-orm's `fresh` drops every table).
                MigrateAction::Fresh { .. } => Migrator::refresh(&db).await?,
            }
            Ok(())
        }
        Command::Seed(args) => {
            let db = db::connect(&cli.database_url, None).await?;
            db::migrate(&db).await?;
            service::seed::run(&db, &args).await
        }
    }
}

async fn serve(database_url: &str, args: ServeArgs) -> Result<(), BoxError> {
    let app = app::Application::build(database_url, &args).await?;
    let address = app.address();
    tracing::info!(%address, "listening");
    println!("userplan is listening; GraphiQL: http://{address}/graphql");
    app.run_until_stopped(shutdown_signal()).await
}

/// Resolves on Ctrl-C or SIGTERM; in-flight requests then finish before the server exits.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
