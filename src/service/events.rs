//! Membership events: every committed membership change, delivered to the subscribers of
//! every server instance.
//!
//! One design, two publishers. Each write hands its events to the [`Publisher`] twice:
//! inside its transaction, and after the commit. PostgreSQL sends them with NOTIFY inside
//! the transaction (so they are delivered if and only if it commits, to every instance
//! LISTENing on the database); SQLite, which only one process uses, broadcasts them after
//! the commit. Either way they end in one bounded broadcast channel per instance.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::user_plan::Role;
use sea_orm::{ActiveEnum, ConnectionTrait, DatabaseConnection, DbBackend, DbErr};
use serde_json::json;
use tokio::sync::{broadcast, watch};
use uuid::Uuid;

use super::sql::statement;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Added,
    Updated,
    Removed,
}

impl EventKind {
    fn code(self) -> &'static str {
        match self {
            EventKind::Added => "A",
            EventKind::Updated => "U",
            EventKind::Removed => "R",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "A" => Some(EventKind::Added),
            "U" => Some(EventKind::Updated),
            "R" => Some(EventKind::Removed),
            _ => None,
        }
    }
}

/// One changed membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MembershipEvent {
    pub kind: EventKind,
    pub user_id: Uuid,
    pub plan_id: Uuid,
    /// The role after the change; none for a removed membership.
    pub role: Option<Role>,
    pub at: DateTime<Utc>,
    /// The signed-in user who made the change; none for the service token and a server
    /// without sign-in.
    pub actor: Option<Uuid>,
}

/// How events leave a writing transaction.
pub trait Publisher: Send + Sync {
    /// Inside the transaction that made the change, as part of it.
    fn stage<'a>(
        &'a self,
        txn: &'a sea_orm::DatabaseTransaction,
        events: &'a [MembershipEvent],
    ) -> futures_util::future::BoxFuture<'a, Result<(), DbErr>>;

    /// After that transaction committed.
    fn committed(&self, events: Vec<MembershipEvent>);
}

/// The channel PostgreSQL instances NOTIFY and LISTEN on.
const CHANNEL: &str = "userplan_membership";

/// NOTIFY payloads must stay under 8,000 bytes; an event takes up to about 92.
const EVENTS_PER_NOTIFICATION: usize = 80;

/// How many events a subscriber may fall behind before it is told so and closed: room for
/// the largest single change (a `set*` of 10,000 ids) with some to spare.
const SUBSCRIBER_BUFFER: usize = 16_384;

/// This instance's subscribers and the publisher that feeds them.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<MembershipEvent>,
    publisher: Arc<dyn Publisher>,
    shutdown: watch::Sender<bool>,
}

impl Events {
    /// The publisher that fits the database. On PostgreSQL nothing arrives until the
    /// task of [`Events::listener`] runs.
    pub fn for_database(db: &DatabaseConnection) -> Self {
        let (sender, _) = broadcast::channel(SUBSCRIBER_BUFFER);
        let shutdown = watch::channel(false).0;
        let publisher: Arc<dyn Publisher> = match db.get_database_backend() {
            DbBackend::Postgres => Arc::new(PostgresNotify),
            _ => Arc::new(InProcess {
                sender: sender.clone(),
            }),
        };
        Self {
            sender,
            publisher,
            shutdown,
        }
    }

    /// On PostgreSQL, the task that LISTENs for the events of every instance (this one's
    /// too) and hands them to this instance's subscribers, until [`Events::close`]; for the
    /// caller to spawn. None on SQLite, where writes hand their events over themselves.
    pub fn listener(
        &self,
        db: &DatabaseConnection,
    ) -> Option<impl Future<Output = ()> + Send + 'static> {
        (db.get_database_backend() == DbBackend::Postgres)
            .then(|| listen(db.clone(), self.sender.clone(), self.shutdown.subscribe()))
    }

    pub fn publisher(&self) -> &dyn Publisher {
        self.publisher.as_ref()
    }

    pub fn subscribe(&self) -> (broadcast::Receiver<MembershipEvent>, watch::Receiver<bool>) {
        (self.sender.subscribe(), self.shutdown.subscribe())
    }

    /// Ends every subscription (the server is shutting down), and the LISTEN task.
    pub fn close(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once [`Events::close`] was called.
    pub async fn closed(&self) {
        let _ = self.shutdown.subscribe().wait_for(|closed| *closed).await;
    }
}

struct InProcess {
    sender: broadcast::Sender<MembershipEvent>,
}

impl Publisher for InProcess {
    fn stage<'a>(
        &'a self,
        _txn: &'a sea_orm::DatabaseTransaction,
        _events: &'a [MembershipEvent],
    ) -> futures_util::future::BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(async { Ok(()) })
    }

    fn committed(&self, events: Vec<MembershipEvent>) {
        for event in events {
            // No receiver means no subscriber: nothing to deliver.
            let _ = self.sender.send(event);
        }
    }
}

struct PostgresNotify;

impl Publisher for PostgresNotify {
    fn stage<'a>(
        &'a self,
        txn: &'a sea_orm::DatabaseTransaction,
        events: &'a [MembershipEvent],
    ) -> futures_util::future::BoxFuture<'a, Result<(), DbErr>> {
        Box::pin(async move {
            if events.is_empty() {
                return Ok(());
            }
            let payloads: Vec<String> =
                events.chunks(EVENTS_PER_NOTIFICATION).map(encode).collect();
            // All the notifications of a change in one statement, however many there are.
            let sql = "SELECT pg_notify(?, payload) FROM unnest(?::text[]) AS payload";
            txn.query_all_raw(statement(
                DbBackend::Postgres,
                sql,
                vec![CHANNEL.into(), payloads.into()],
            ))
            .await?;
            Ok(())
        })
    }

    /// The LISTEN task delivers what was NOTIFYed, to this instance as to the others.
    fn committed(&self, _events: Vec<MembershipEvent>) {}
}

/// `{"at": ..., "by": ..., "e": [[kind, user, plan, role], ...]}`: the time and the actor
/// once per notification (its events come from one write).
fn encode(events: &[MembershipEvent]) -> String {
    let at = events.first().map(|event| event.at.to_rfc3339());
    let by = events.first().and_then(|event| event.actor);
    let rows: Vec<_> = events
        .iter()
        .map(|event| {
            json!([
                event.kind.code(),
                event.user_id,
                event.plan_id,
                event.role.map(|role| role.to_value()),
            ])
        })
        .collect();
    json!({ "at": at, "by": by, "e": rows }).to_string()
}

fn decode(payload: &str) -> Option<Vec<MembershipEvent>> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    let at = DateTime::parse_from_rfc3339(value["at"].as_str()?)
        .ok()?
        .with_timezone(&Utc);
    // A payload from an instance that predates `by` has none: no actor, as then.
    let actor = match &value["by"] {
        serde_json::Value::Null => None,
        by => Some(by.as_str()?.parse().ok()?),
    };
    value["e"]
        .as_array()?
        .iter()
        .map(|row| {
            let role = match row[3].as_str() {
                Some(role) => Some(Role::try_from_value(&role.to_owned()).ok()?),
                None => None,
            };
            Some(MembershipEvent {
                kind: EventKind::from_code(row[0].as_str()?)?,
                user_id: row[1].as_str()?.parse().ok()?,
                plan_id: row[2].as_str()?.parse().ok()?,
                role,
                at,
                actor,
            })
        })
        .collect()
}

/// LISTENs for the events of every instance sharing the database and hands them to this
/// instance's subscribers, reconnecting when the database goes away, until the server shuts
/// down (its pool closes then, and retrying would only log a failure a second).
async fn listen(
    db: DatabaseConnection,
    sender: broadcast::Sender<MembershipEvent>,
    mut shutdown: watch::Receiver<bool>,
) {
    tokio::select! {
        () = relay(db, sender) => {}
        _ = shutdown.wait_for(|closed| *closed) => {}
    }
}

async fn relay(db: DatabaseConnection, sender: broadcast::Sender<MembershipEvent>) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let listener = async {
            let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = match listener.await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "cannot LISTEN for membership events; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        loop {
            match listener.recv().await {
                Ok(notification) => match decode(notification.payload()) {
                    Some(events) => {
                        for event in events {
                            let _ = sender.send(event);
                        }
                    }
                    None => tracing::warn!(
                        payload = notification.payload(),
                        "unreadable membership event"
                    ),
                },
                Err(err) => {
                    tracing::warn!(error = %err, "lost the LISTEN connection; reconnecting");
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_payloads_round_trip_and_fit() {
        let at = crate::service::now();
        let events: Vec<MembershipEvent> = (0..EVENTS_PER_NOTIFICATION)
            .map(|i| MembershipEvent {
                kind: [EventKind::Added, EventKind::Updated, EventKind::Removed][i % 3],
                user_id: Uuid::now_v7(),
                plan_id: Uuid::now_v7(),
                role: (i % 3 != 2).then_some(Role::Admin),
                at,
                actor: Some(Uuid::max()),
            })
            .collect();
        let payload = encode(&events);
        assert!(payload.len() < 8000, "{} bytes", payload.len());
        assert_eq!(decode(&payload).unwrap(), events);
        assert!(decode("not json").is_none());
    }

    #[test]
    fn a_payload_without_an_actor_still_decodes() {
        let user = Uuid::now_v7();
        let plan = Uuid::now_v7();
        let old = format!(
            r#"{{"at":"2026-12-01T10:00:00+00:00","e":[["A","{user}","{plan}","OWNER"]]}}"#
        );
        let events = decode(&old).expect("decodes");
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].user_id, events[0].plan_id), (user, plan));
        assert_eq!(events[0].actor, None);
    }
}
