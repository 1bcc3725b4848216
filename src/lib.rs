//! userplan: a GraphQL server for users, plans and the memberships between them.

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
use tokio::net::TcpListener;

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
    let db = db::connect_for_serving(database_url, &args).await?;
    if !args.no_migrate {
        db::migrate(&db).await?;
    }
    let state = http::AppState::new(db.clone(), &args)?;
    if !state.token().is_configured()
        && !args.listen.ip().is_loopback()
        && !args.access.allow_unauthenticated
    {
        return Err(format!(
            "refusing to serve {} without an API token: anyone who can reach it could change \
             data; set --api-token (or --api-token-file), or pass --allow-unauthenticated",
            args.listen
        )
        .into());
    }
    let events = state.events().clone();
    let sockets = state.sockets().clone();
    let app = http::router(state);
    let listener = TcpListener::bind(args.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "listening");
    println!("userplan is listening; GraphiQL: http://{address}/graphql");
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Subscriptions end first, so their clients are told and the server does not
        // wait on their connections.
        events.close();
        let _ = stopping.send(());
    });
    let grace = std::time::Duration::from_secs(args.shutdown_grace_secs);
    // In-flight requests get the grace period to finish; then the process exits anyway.
    let deadline = async move {
        if stopped.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::pin!(deadline);
    let drained = async {
        server.await?;
        // WebSocket connections are not the HTTP server's once upgraded.
        sockets.close();
        sockets.wait().await;
        Ok::<_, std::io::Error>(())
    };
    tokio::select! {
        drained = drained => drained?,
        () = &mut deadline => {
            // Closing the pool would wait for the connections those requests hold.
            tracing::warn!(?grace, "requests still running after the grace period; exiting");
            return Ok(());
        }
    }
    tokio::select! {
        closed = db.close() => closed?,
        () = deadline => tracing::warn!(?grace, "the database connections did not close in time; exiting"),
    }
    Ok(())
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
