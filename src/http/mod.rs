//! HTTP wiring: `/graphql` (POST, GET, the playground), `/graphql/ws`, `/health`, `/ready`,
//! `/metrics`.

mod cors;
mod graphql;
mod operation;
mod playground;
mod ws;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use tokio_util::task::TaskTracker;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::BoxError;
use crate::auth::Credentials;
use crate::config::ServeArgs;
use crate::graphql::gate::Gate;
use crate::graphql::limits::CostMeter;
use crate::graphql::nulls::FieldTypes;
use crate::graphql::persisted::TrustedDocuments;
use crate::graphql::schema::{self, AppSchema};
use crate::metrics::OperationLabels;
use crate::service::events::Events;

pub use cors::AllowedOrigins;

/// What every handler shares; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    schema: AppSchema,
    /// The schema's field types, for mending field errors ([`crate::graphql::nulls`]).
    field_types: Arc<FieldTypes>,
    gate: Arc<Gate>,
    operation_labels: Arc<OperationLabels>,
    db: DatabaseConnection,
    events: Events,
    credentials: Arc<Credentials>,
    sql_stats: bool,
    max_body_bytes: usize,
    max_batch: usize,
    max_complexity: usize,
    /// What a query refused for its cost would have cost, for the refusal's message.
    cost_meter: Arc<CostMeter>,
    request_timeout: Duration,
    /// None when introspection is off: the playground needs the schema.
    playground: Option<playground::Page>,
    allowed_origins: AllowedOrigins,
    /// The WebSocket connections, which outlive their HTTP request: shutdown waits for
    /// them to say goodbye.
    sockets: TaskTracker,
}

impl AppState {
    /// The schema is built here once, not per request. Starts nothing: the events' reader
    /// and purger ([`Events::reader`]) and the metrics recorder are the caller's to start
    /// ([`crate::app::Application::build`]).
    pub fn new(db: DatabaseConnection, args: &ServeArgs) -> Result<Self, BoxError> {
        let events = Events::for_database(&db, args.history_retention);
        let trusted = args
            .trusted_documents
            .as_deref()
            .map(TrustedDocuments::load)
            .transpose()?;
        if let Some(trusted) = &trusted {
            tracing::info!(documents = trusted.len(), "running trusted documents only");
        }
        let trusted_documents_only = trusted.is_some();
        let operation_labels = match &trusted {
            Some(trusted) => OperationLabels::listed(trusted.operation_names()),
            None => OperationLabels::first_seen(),
        };
        let credentials = Arc::new(Credentials::from_args(&args.access)?);
        let schema = schema::build(
            db.clone(),
            events.clone(),
            credentials.known_users(),
            &args.limits,
        );
        Ok(Self {
            field_types: Arc::new(FieldTypes::of_sdl(&schema.sdl())),
            schema,
            gate: Arc::new(Gate::new(&args.limits, trusted)),
            operation_labels: Arc::new(operation_labels),
            db,
            events,
            credentials,
            sql_stats: args.sql_stats,
            max_body_bytes: args.limits.max_body_bytes,
            max_batch: args.limits.max_batch,
            max_complexity: args.limits.max_complexity,
            cost_meter: Arc::new(CostMeter::default()),
            request_timeout: args.limits.request_timeout(),
            playground: (!args.limits.no_introspection)
                .then(|| playground::Page::new(trusted_documents_only)),
            allowed_origins: args.allowed_origins(),
            sockets: TaskTracker::new(),
        })
    }

    /// The membership events of this instance; closing them ends every subscription.
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// The open WebSocket connections.
    pub fn sockets(&self) -> &TaskTracker {
        &self.sockets
    }

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The origins `--cors-origin` allows.
    pub fn allowed_origins(&self) -> &AllowedOrigins {
        &self.allowed_origins
    }
}

pub fn router(state: AppState) -> Router {
    let cors = state
        .allowed_origins
        .layer(HeaderName::from_static(graphql::REQUEST_ID));
    let mut router = Router::new()
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/graphql/ws", get(ws::upgrade))
        .route("/playground/assets/{file}", get(playground::asset))
        .route("/playground/src/{file}", get(playground::shared_module))
        .route("/health", get(|| async { "ok" }))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics));
    if let Some(cors) = cors {
        router = router.layer(cors);
    }
    router
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Ready when the database answers.
async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::metrics::render(&state.db),
    )
}
