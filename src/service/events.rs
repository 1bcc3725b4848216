//! Membership events: every committed membership change, delivered live to the
//! subscribers of every server instance, from the history ([`super::history`]).
//!
//! Writes put their events in the history inside their own transaction; nothing carries
//! the events themselves from writer to reader. Each instance runs one reader of the
//! history's tail ([`Events::reader`]): it is woken when something may be new (by a NOTIFY
//! without payload that the writing transaction sends on PostgreSQL, by the write itself on
//! SQLite, and by a poll as a safety net), reads what settled in one statement, and
//! broadcasts it to the instance's subscribers. A subscriber that falls behind the
//! broadcast's buffer is not closed: it reads the history from its last event at its own
//! pace ([`Follower`]), then rejoins the broadcast.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::user_plan::Role;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbBackend, DbErr};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{Notify, broadcast, watch};
use uuid::Uuid;

use super::history::{self, EventKey, PURGE_BATCH, Recorded, Retention, Selection, Walk};
use crate::error::{AppError, AppResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Added,
    Updated,
    Removed,
}

impl EventKind {
    /// How the history stores the kind.
    pub(crate) fn code(self) -> &'static str {
        match self {
            EventKind::Added => "A",
            EventKind::Updated => "U",
            EventKind::Removed => "R",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
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

/// How many settled events the broadcast holds for subscribers that have not taken them
/// yet. One that falls further behind reads the history instead, so this bounds memory,
/// not what a subscriber can receive.
const BROADCAST_BUFFER: usize = 16_384;

/// How many events one read of the tail or of a subscriber's catch-up returns.
const READ_BATCH: u64 = 1_000;

/// How often the tail is read when nothing woke it: what a lost wake-up costs at most.
const POLL: Duration = Duration::from_secs(1);

/// How soon the tail is read again when committed events wait for an older transaction to
/// finish (which may announce nothing); doubled up to [`POLL`] while they keep waiting.
const SETTLE_RETRY: Duration = Duration::from_millis(5);

/// How often the history is purged of what left the retention period, when the last purge
/// found less than a batch.
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// This instance's subscribers and the reader that feeds them.
#[derive(Clone)]
pub struct Events {
    inner: Arc<Inner>,
}

struct Inner {
    db: DatabaseConnection,
    retention: Retention,
    /// The broadcast and the last event it carried, changed together: a subscriber that
    /// joins gets both at once, so it knows exactly where its stream starts.
    live: Mutex<Live>,
    wake: Notify,
    shutdown: watch::Sender<bool>,
}

struct Live {
    sender: broadcast::Sender<Recorded>,
    /// None until the reader found the end of the history.
    last: Option<EventKey>,
}

impl Events {
    /// Nothing is delivered until the task of [`Events::reader`] runs.
    pub fn for_database(db: &DatabaseConnection, retention: Retention) -> Self {
        let (sender, _) = broadcast::channel(BROADCAST_BUFFER);
        Self {
            inner: Arc::new(Inner {
                db: db.clone(),
                retention,
                live: Mutex::new(Live { sender, last: None }),
                wake: Notify::new(),
                shutdown: watch::channel(false).0,
            }),
        }
    }

    /// Finds the end of the history, then returns the task (for the caller to spawn) that
    /// reads its tail and broadcasts it to this instance's subscribers until
    /// [`Events::close`]; on PostgreSQL it LISTENs for every instance's wake-ups too. When
    /// the end cannot be read yet (a database not migrated, `--no-migrate`), the task
    /// keeps trying first, and subscriptions are refused as unavailable meanwhile.
    pub async fn reader(
        &self,
        db: DatabaseConnection,
    ) -> impl Future<Output = ()> + Send + 'static {
        let mut end = history::settled_end(&db).await;
        let inner = self.inner.clone();
        let mut shutdown = self.inner.shutdown.subscribe();
        async move {
            let read = async {
                let end = loop {
                    match end {
                        Ok(end) => break end,
                        Err(err) => {
                            tracing::warn!(error = %err, "cannot read the membership history; retrying");
                            tokio::time::sleep(POLL).await;
                            end = history::settled_end(&db).await;
                        }
                    }
                };
                inner.live.lock().expect("no panic while broadcasting").last = Some(end);
                let wakers = async {
                    if db.get_database_backend() == DbBackend::Postgres {
                        listen(&db, &inner.wake).await;
                    } else {
                        std::future::pending::<()>().await;
                    }
                };
                tokio::select! {
                    () = read_tail(&db, &inner.live, &inner.wake, end) => {}
                    () = wakers => {}
                }
            };
            tokio::select! {
                () = read => {}
                _ = shutdown.wait_for(|closed| *closed) => {}
            }
        }
    }

    /// How long the history keeps events.
    pub fn retention(&self) -> Retention {
        self.inner.retention
    }

    /// The task (for the caller to spawn) that purges the events that left the retention
    /// period, a batch at a time, until [`Events::close`].
    pub fn purger(&self, db: DatabaseConnection) -> impl Future<Output = ()> + Send + 'static {
        let retention = self.inner.retention;
        let mut shutdown = self.inner.shutdown.subscribe();
        async move {
            let purge = async {
                loop {
                    match retention.purge_batch(&db).await {
                        Ok(deleted) if deleted as i64 == PURGE_BATCH => continue,
                        Ok(_) => {}
                        Err(err) => {
                            tracing::warn!(error = %err, "cannot purge old membership events");
                        }
                    }
                    tokio::time::sleep(PURGE_EVERY).await;
                }
            };
            tokio::select! {
                () = purge => {}
                _ = shutdown.wait_for(|closed| *closed) => {}
            }
        }
    }

    /// Inside the transaction that made the change, as part of it: writes its events to
    /// the history.
    pub async fn stage(
        &self,
        txn: &DatabaseTransaction,
        events: &[MembershipEvent],
    ) -> Result<(), DbErr> {
        history::append(txn, events).await
    }

    /// After that transaction committed. On PostgreSQL its NOTIFY wakes every instance's
    /// reader, this one's too.
    pub fn committed(&self, events: &[MembershipEvent]) {
        if !events.is_empty() && self.inner.db.get_database_backend() != DbBackend::Postgres {
            self.inner.wake.notify_one();
        }
    }

    /// A stream of every event after `after`, or, without it, of every event from now on.
    pub fn follow(&self, after: Option<EventKey>) -> AppResult<Follower> {
        let live = self.live();
        let now = live.last.ok_or_else(|| {
            AppError::Unavailable(DbErr::Custom(
                "the membership history cannot be read".into(),
            ))
        })?;
        Ok(Follower {
            db: self.inner.db.clone(),
            receiver: live.sender.subscribe(),
            shutdown: self.inner.shutdown.subscribe(),
            last: after.unwrap_or(now),
            catching_up: after.is_some(),
            backlog: VecDeque::new(),
        })
    }

    /// Ends every subscription (the server is shutting down), and the reader.
    pub fn close(&self) {
        self.inner.shutdown.send_replace(true);
    }

    /// Resolves once [`Events::close`] was called.
    pub async fn closed(&self) {
        let _ = self
            .inner
            .shutdown
            .subscribe()
            .wait_for(|closed| *closed)
            .await;
    }

    fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.inner.live.lock().expect("no panic while broadcasting")
    }
}

/// Reads what settled after `last`, broadcasts it, and waits to be woken (or for the next
/// poll) to do it again. One statement per wake-up, however many subscribers there are.
async fn read_tail(db: &DatabaseConnection, live: &Mutex<Live>, wake: &Notify, mut last: EventKey) {
    let mut pause = POLL;
    // Whether the last read left committed events waiting on an older transaction.
    let mut stuck = false;
    loop {
        tokio::select! {
            () = wake.notified() => {}
            () = tokio::time::sleep(pause) => {}
        }
        pause = loop {
            match history::tail(db, last, READ_BATCH).await {
                Ok((events, waiting)) => {
                    let events_read = events.len();
                    let full = events_read as u64 == READ_BATCH;
                    if let Some(newest) = events.last() {
                        last = newest.key;
                        let mut live = live.lock().expect("no panic while broadcasting");
                        for event in events {
                            // No receiver means no subscriber: nothing to deliver.
                            let _ = live.sender.send(event);
                        }
                        live.last = Some(last);
                    }
                    if full {
                        continue;
                    }
                    // Waiting on the same transaction as last time: look less often.
                    let still_waiting = waiting && stuck && events_read == 0;
                    stuck = waiting;
                    break if !waiting {
                        POLL
                    } else if still_waiting {
                        (pause * 2).min(POLL)
                    } else {
                        SETTLE_RETRY
                    };
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read new membership events; retrying");
                    break POLL;
                }
            }
        };
    }
}

/// LISTENs for the wake-ups of every instance sharing the database, reconnecting when the
/// database goes away (and reading the tail then, for what was missed meanwhile).
async fn listen(db: &DatabaseConnection, wake: &Notify) {
    use sea_orm::sqlx::postgres::PgListener;
    loop {
        let listener = async {
            let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
            listener.listen(history::WAKE_CHANNEL).await?;
            Ok::<_, sea_orm::sqlx::Error>(listener)
        };
        let mut listener = match listener.await {
            Ok(listener) => listener,
            Err(err) => {
                tracing::warn!(error = %err, "cannot LISTEN for membership events; retrying");
                tokio::time::sleep(POLL).await;
                continue;
            }
        };
        wake.notify_one();
        loop {
            // `try_recv` says when the connection was lost (and reconnects on the next
            // call): wake-ups sent meanwhile are gone, so the tail is read then.
            match listener.try_recv().await {
                Ok(Some(_)) => wake.notify_one(),
                Ok(None) => {
                    tracing::warn!("lost the LISTEN connection; reconnecting");
                    wake.notify_one();
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot LISTEN for membership events; retrying");
                    break;
                }
            }
        }
    }
}

/// One subscriber's events, in the history's order, each once: from the broadcast while it
/// keeps up, from the history while it catches up.
pub struct Follower {
    db: DatabaseConnection,
    receiver: broadcast::Receiver<Recorded>,
    shutdown: watch::Receiver<bool>,
    /// The last event handed out (or the point the stream starts after).
    last: EventKey,
    /// Whether the events after `last` must come from the history: the stream resumes from
    /// a cursor, or fell behind the broadcast.
    catching_up: bool,
    /// Events read from the history and not yet handed out.
    backlog: VecDeque<Recorded>,
}

impl Follower {
    /// The next event; None once the server shuts down.
    pub async fn next(&mut self) -> Option<AppResult<Recorded>> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.last = event.key;
                return Some(Ok(event));
            }
            if self.catching_up {
                let page = history::read(
                    &self.db,
                    Selection::EVERYTHING,
                    self.last,
                    None,
                    Walk::Forward,
                    READ_BATCH,
                );
                let page = tokio::select! {
                    _ = self.shutdown.wait_for(|closed| *closed) => return None,
                    page = page => page,
                };
                match page {
                    Ok(page) => {
                        // A short page reached the tail: what follows is in the broadcast,
                        // which has held everything since this follower joined.
                        self.catching_up = page.len() as u64 == READ_BATCH;
                        self.backlog.extend(page);
                        continue;
                    }
                    Err(err) => return Some(Err(err)),
                }
            }
            let received = tokio::select! {
                _ = self.shutdown.wait_for(|closed| *closed) => return None,
                received = self.receiver.recv() => received,
            };
            match received {
                // Already read from the history while catching up.
                Ok(event) if event.key <= self.last => continue,
                Ok(event) => {
                    self.last = event.key;
                    return Some(Ok(event));
                }
                Err(RecvError::Lagged(_)) => self.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// Where the stream stands: the last event handed out, or where it starts.
    pub fn position(&self) -> EventKey {
        self.last
    }
}
