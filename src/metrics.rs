//! Prometheus metrics, served at `/metrics`: requests by operation and outcome, their
//! latency, SQL statements per request, DataLoader batch sizes, the connection pool and
//! open subscriptions.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{DatabaseConnection, DbBackend};

const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
const COUNTS: &[f64] = &[
    1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 10000.0,
];

/// The process's recorder, installed on first use. Every server in the process (tests run
/// many) reports to it.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("userplan_request_duration_seconds".into()),
                SECONDS,
            )
            .and_then(|builder| {
                builder.set_buckets_for_metric(Matcher::Suffix("_per_request".into()), COUNTS)
            })
            .and_then(|builder| {
                builder.set_buckets_for_metric(Matcher::Suffix("_batch_size".into()), COUNTS)
            })
            .expect("bucket lists are not empty")
            .build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will stay empty");
        }
        handle
    })
}

/// Installs the recorder, so that metrics recorded before the first scrape are kept.
pub fn install() {
    handle();
}

/// The metrics in Prometheus's text format, with the pool's state read now.
pub fn render(db: &DatabaseConnection) -> String {
    let (size, idle) = match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    };
    let in_use = (size as usize).saturating_sub(idle);
    metrics::gauge!("userplan_db_connections", "state" => "in_use").set(in_use as f64);
    metrics::gauge!("userplan_db_connections", "state" => "idle").set(idle as f64);
    handle().render()
}

/// How many operation names get series of their own when no trusted documents list them.
pub const FIRST_SEEN_OPERATIONS: usize = 20;

/// The `operation` label of a request, from a bounded set: operation names are chosen by
/// clients, and every new label value adds a counter and a histogram's buckets to
/// `/metrics` for as long as the process lives. One set per server instance.
pub struct OperationLabels(Known);

enum Known {
    /// The operation names of the trusted documents: the only operations that can run.
    Listed(HashSet<String>),
    /// The first names seen; the ones after them are all `other`.
    FirstSeen(Mutex<HashSet<String>>),
}

impl OperationLabels {
    pub fn listed(names: impl IntoIterator<Item = String>) -> Self {
        OperationLabels(Known::Listed(names.into_iter().collect()))
    }

    pub fn first_seen() -> Self {
        OperationLabels(Known::FirstSeen(Mutex::default()))
    }

    /// The label for a request that runs (or was refused running) the operation `name`:
    /// the name itself if it is one of the set, `anonymous` without one, `other` otherwise.
    pub fn label(&self, name: Option<&str>) -> String {
        let Some(name) = name else {
            return ANONYMOUS.to_owned();
        };
        let own_series = is_label_worthy(name)
            && match &self.0 {
                Known::Listed(names) => names.contains(name),
                Known::FirstSeen(names) => {
                    let mut names = names
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    names.contains(name)
                        || (names.len() < FIRST_SEEN_OPERATIONS && names.insert(name.to_owned()))
                }
            };
        if own_series {
            name.to_owned()
        } else {
            OTHER.to_owned()
        }
    }
}

const ANONYMOUS: &str = "anonymous";
const OTHER: &str = "other";

/// A GraphQL name of at most 64 characters that is not one of the labels given to
/// operations without one: a name sent only in a request's JSON (of a request refused
/// before its document was read) can be any text.
fn is_label_worthy(name: &str) -> bool {
    let mut bytes = name.bytes();
    let starts_well = bytes
        .next()
        .is_some_and(|first| first == b'_' || first.is_ascii_alphabetic());
    starts_well
        && name.len() <= 64
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
        && name != ANONYMOUS
        && name != OTHER
}

/// One GraphQL request ended. `operation` is its label from [`OperationLabels`],
/// `outcome` `ok` or the first error's code.
pub fn request_finished(operation: &str, outcome: &str, seconds: f64, statements: u64) {
    let labels = [
        ("operation", operation.to_owned()),
        ("outcome", outcome.to_owned()),
    ];
    metrics::counter!("userplan_requests_total", &labels).increment(1);
    metrics::histogram!("userplan_request_duration_seconds", "operation" => operation.to_owned())
        .record(seconds);
    metrics::histogram!("userplan_sql_statements_per_request").record(statements as f64);
}

/// A DataLoader (or a prefetch level) loaded this many parents in one statement.
pub fn batch_loaded(loader: &'static str, parents: usize) {
    metrics::histogram!("userplan_dataloader_batch_size", "loader" => loader)
        .record(parents as f64);
}

/// Counts an open subscription while it lives.
pub struct OpenSubscription(());

impl Default for OpenSubscription {
    fn default() -> Self {
        Self::new()
    }
}

impl OpenSubscription {
    pub fn new() -> Self {
        metrics::gauge!("userplan_subscriptions_open").increment(1.0);
        OpenSubscription(())
    }
}

impl Drop for OpenSubscription {
    fn drop(&mut self) {
        metrics::gauge!("userplan_subscriptions_open").decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_graphql_names_get_a_series() {
        let labels = OperationLabels::first_seen();
        let long = "a".repeat(65);
        for refused in [
            "",
            "1st",
            "a-b",
            "Zoë",
            "a\0b",
            "😀",
            "other",
            "anonymous",
            &long,
        ] {
            assert_eq!(labels.label(Some(refused)), OTHER, "{refused:?}");
        }
        assert_eq!(labels.label(Some(&long[..64])), &long[..64]);
        assert_eq!(labels.label(Some("_Q9")), "_Q9");
        assert_eq!(labels.label(None), ANONYMOUS);
    }
}
