//! How every membership write runs: in one write transaction that commits with its events
//! or rolls back, runs again when PostgreSQL aborts it for a deadlock or a serialization
//! failure, and turns a foreign-key failure into NOT_FOUND naming the unknown ids. Kept
//! apart from the writes themselves, which only say what they change.

use std::collections::BTreeSet;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use super::permissions::missing_error;
use super::{Side, returned_ids};
use crate::error::{AppError, AppResult, is_foreign_key_violation, sql_state};
use crate::service::events::{Events, MembershipEvent};
use crate::service::sql::one_of;

/// How many times a write is tried when the database aborts it for a deadlock or a
/// serialization failure.
pub(super) const WRITE_ATTEMPTS: u32 = 5;

/// Runs `body` (an expression that uses the transaction `txn` and yields a value and its
/// events) in a write transaction, and commits it with those events, or rolls it back on
/// failure. When PostgreSQL aborts it to break a deadlock or a serialization conflict with
/// a concurrent write, the whole transaction runs again (a bounded number of times): the
/// loser of a race waits its turn instead of failing. A macro rather than a function
/// taking a closure, because the future of an async closure cannot be required to be
/// `Send`, which the resolvers need. It expands in the files beside this one, hence the
/// full paths to the helpers below.
macro_rules! write_txn {
    ($db:expr, $events:expr, |$txn:ident| $body:block) => {{
        let mut attempt = 1;
        loop {
            let owned = $crate::service::memberships::write::begin_write($db).await?;
            let outcome = async {
                let $txn = &owned;
                $body
            }
            .await;
            match $crate::service::memberships::write::finish(owned, $events, outcome).await {
                Err(err)
                    if attempt < $crate::service::memberships::write::WRITE_ATTEMPTS
                        && err.is_retryable() =>
                {
                    tracing::debug!(attempt, "a write lost a race; running it again");
                    attempt += 1;
                }
                result => break result,
            }
        }
    }};
}
pub(super) use write_txn;

/// A write's failure: a statement's own error is kept raw until the transaction is rolled
/// back, because on PostgreSQL the unknown ids can only be looked up after that.
pub(super) enum WriteError {
    Write(DbErr),
    App(AppError),
}

impl<E: Into<AppError>> From<E> for WriteError {
    fn from(err: E) -> Self {
        WriteError::App(err.into())
    }
}

impl WriteError {
    /// A deadlock or serialization failure: the transaction can run again as it is.
    pub(super) fn is_retryable(&self) -> bool {
        let (WriteError::Write(err) | WriteError::App(AppError::Internal(err))) = self else {
            return false;
        };
        matches!(sql_state(err).as_deref(), Some("40001" | "40P01"))
    }

    pub(super) fn into_app(self) -> AppError {
        match self {
            WriteError::Write(err) => err.into(),
            WriteError::App(err) => err,
        }
    }
}

/// Starts a transaction that will write. IMMEDIATE takes SQLite's write lock up front: a
/// deferred transaction that reads first could fail to upgrade to a writer when another
/// connection wrote in between.
pub(super) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Commits a write that succeeded, with its events (staged in the transaction, handed on
/// after the commit), or rolls back one that failed.
pub(super) async fn finish<T>(
    txn: DatabaseTransaction,
    events: &Events,
    outcome: Result<(T, Vec<MembershipEvent>), WriteError>,
) -> Result<T, WriteError> {
    match outcome {
        Ok((value, announced)) => {
            events.stage(&txn, &announced).await?;
            txn.commit().await?;
            events.committed(&announced);
            Ok(value)
        }
        Err(err) => {
            txn.rollback().await?;
            Err(err)
        }
    }
}

/// Turns a foreign-key failure into NOT_FOUND listing the ids that name no row.
pub(super) async fn explain_failure<T>(
    db: &DatabaseConnection,
    side: Side,
    owner: Uuid,
    ids: &BTreeSet<Uuid>,
    result: Result<T, WriteError>,
) -> AppResult<T> {
    match result {
        Err(WriteError::Write(err)) if is_foreign_key_violation(&err) => {
            Err(unknown_ids(db, side, owner, ids).await)
        }
        result => result.map_err(WriteError::into_app),
    }
}

/// After a foreign-key failure: which of the owner and the ids name no row. Run outside the
/// failed statement's transaction, and only on this error path.
pub(super) async fn unknown_ids(
    db: &impl ConnectionTrait,
    side: Side,
    owner: Uuid,
    ids: &BTreeSet<Uuid>,
) -> AppError {
    let mut values = vec![owner.into()];
    let ids_vec: Vec<Uuid> = ids.iter().copied().collect();
    let sql = format!(
        "SELECT id FROM {owner_table} WHERE id = ? \
         UNION ALL SELECT id FROM {other_table} WHERE {listed}",
        owner_table = side.table(),
        other_table = side.other().table(),
        listed = one_of(db.get_database_backend(), "id", &ids_vec, &mut values),
    );
    let found = match returned_ids(db, &sql, values, "id").await {
        Ok(found) => found,
        Err(err) => return err.into(),
    };
    let others = ids
        .iter()
        .filter(|id| !found.contains(id))
        .copied()
        .collect();
    missing_error(side, owner, !found.contains(&owner), others)
}
