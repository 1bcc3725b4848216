//! The composition root: the one function that puts the server together from its options,
//! for `userplan serve` and for the tests alike, and the run that shuts it down gracefully.

use std::net::SocketAddr;
use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::BoxError;
use crate::config::ServeArgs;
use crate::db::{self, StatementRecorder};
use crate::http::{self, AppState};

/// The pool of the membership events' reader and purger: on PostgreSQL one connection is
/// the LISTEN, one reads the tail, one purges.
const BACKGROUND_CONNECTIONS: u32 = 3;

/// A server bound to its address, not yet serving.
pub struct Application {
    address: SocketAddr,
    listener: TcpListener,
    state: AppState,
    db: DatabaseConnection,
    grace: Duration,
}

impl Application {
    /// Every step of starting the server, in order: the metrics recorder, the pool,
    /// migrations (unless `--no-migrate`), the state, the refusal of a public server
    /// without a token, the sign-in keys of `--jwks-url`, the bound socket, then the
    /// membership events' reader and purge (started last, so nothing is left running when
    /// an earlier step fails).
    pub async fn build(database_url: &str, args: &ServeArgs) -> Result<Self, BoxError> {
        Self::build_with(database_url, args, None).await
    }

    /// [`Application::build`], with every statement the server runs also offered to
    /// `recorder` (tests EXPLAIN what the server sent).
    pub async fn build_recording(
        database_url: &str,
        args: &ServeArgs,
        recorder: StatementRecorder,
    ) -> Result<Self, BoxError> {
        Self::build_with(database_url, args, Some(recorder)).await
    }

    async fn build_with(
        database_url: &str,
        args: &ServeArgs,
        recorder: Option<StatementRecorder>,
    ) -> Result<Self, BoxError> {
        // First, so that metrics recorded before the first scrape are kept.
        crate::metrics::install();
        let pool = db::PoolOptions {
            recorder,
            ..args.pool_options()
        };
        let db = db::connect_with(database_url, &pool).await?;
        if !args.no_migrate {
            db::migrate(&db).await?;
        }
        // A history that cannot be read yet (`--no-migrate` on an empty database) is the
        // events' reader's to report; one whose order is broken stops the start.
        if let Ok(Err(problem)) = crate::service::history::order_holds(&db).await {
            return Err(problem.into());
        }
        let state = AppState::new(db.clone(), args)?;
        if !state.credentials().is_configured()
            && !args.listen.ip().is_loopback()
            && !args.access.allow_unauthenticated
        {
            return Err(format!(
                "refusing to serve {} without an API token: anyone who can reach it could \
                 change data; set --api-token (or --api-token-file), or pass \
                 --allow-unauthenticated",
                args.listen
            )
            .into());
        }
        // Before the first request, so a token is not refused for want of keys.
        state.credentials().start().await;
        let listener = TcpListener::bind(args.listen).await?;
        // The events' reader and purger have a small pool of their own: requests never wait
        // behind them for a connection, nor they behind requests, and what a test records
        // of the server's statements is its requests' alone. Both run until the events
        // close, at shutdown.
        let background = db::connect_with(
            database_url,
            &db::PoolOptions {
                max_connections: Some(BACKGROUND_CONNECTIONS),
                ..args.pool_options()
            },
        )
        .await?;
        tokio::spawn(state.events().reader(background.clone()).await);
        tokio::spawn(state.events().purger(background));
        Ok(Application {
            address: listener.local_addr()?,
            listener,
            state,
            db,
            grace: Duration::from_secs(args.shutdown_grace_secs),
        })
    }

    /// Where it listens (the port chosen when `--listen` gave port 0).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until `stop` resolves, then shuts down: new connections are refused,
    /// subscriptions end, requests in flight get the grace period, and the pool closes.
    pub async fn run_until_stopped(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), BoxError> {
        let Application {
            listener,
            state,
            db,
            grace,
            ..
        } = self;
        let events = state.events().clone();
        let sockets = state.sockets().clone();
        let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
        let server =
            axum::serve(listener, http::router(state)).with_graceful_shutdown(async move {
                stop.await;
                // Subscriptions end first, so their clients are told and the server does not
                // wait on their connections.
                events.close();
                let _ = stopping.send(());
            });
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
}
