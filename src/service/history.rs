//! The membership history: every committed link change, kept in `membership_events` for
//! the retention period, in one total order that readers can resume from without a gap.
//!
//! Rows are written by the change's own transaction (the outbox), so a rolled-back or
//! no-op call leaves none. The order is the key `(txid, position)`: the writing
//! transaction's id, then the row's place in a sequence. A sequence alone is assigned at
//! insert, not at commit: a reader that saw position 10 could later find 9 committed, and
//! resuming "after 10" would skip it forever. So a row is read only once it is *settled*:
//! its transaction id is below the oldest transaction still running
//! (`pg_snapshot_xmin(pg_current_snapshot())`), so every transaction that could still add
//! a row before it has finished, and nothing can ever appear before a settled row. SQLite
//! serializes writes, so there the position is the commit order (txid is 0) and every
//! committed row is settled. The README's "Membership history" has the figures.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entity::user_plan::Role;
use sea_orm::{
    ActiveEnum, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Value,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::events::{EventKind, MembershipEvent};
use super::keyset::PageArgs;
use super::rows::{self, Columns, Row, columns_of};
use super::sql::statement;
use super::visibility::{Condition, Visibility};
use crate::db::Reads;
use crate::error::{AppError, AppResult};

/// Where an event stands in the history's total order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey {
    /// The writing transaction's id (PostgreSQL), or 0 (SQLite).
    pub txid: i64,
    pub position: i64,
}

/// A change as the history holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub key: EventKey,
    pub event: MembershipEvent,
}

/// The PostgreSQL channel whose notifications tell instances that something was written:
/// a wake-up with no payload, so no change is too large for one.
pub const WAKE_CHANNEL: &str = "userplan_membership";

/// Writes `events` to the history inside the transaction that made them, and on
/// PostgreSQL wakes every instance's reader once it commits.
pub async fn append(txn: &DatabaseTransaction, events: &[MembershipEvent]) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let backend = txn.get_database_backend();
    match backend {
        DbBackend::Postgres => {
            let column =
                |f: fn(&MembershipEvent) -> Value| -> Vec<Value> { events.iter().map(f).collect() };
            let sql = "WITH written AS (\
                 INSERT INTO membership_events \
                 (txid, kind, user_id, plan_id, role, actor_id, at) \
                 SELECT pg_current_xact_id()::text::bigint, e.kind, e.user_id, e.plan_id, \
                 NULLIF(e.role, ''), NULLIF(e.actor_id, '')::uuid, e.at \
                 FROM unnest(?::text[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], \
                 ?::timestamptz[]) WITH ORDINALITY \
                 AS e(kind, user_id, plan_id, role, actor_id, at, n) ORDER BY e.n) \
                 SELECT pg_notify(?, '')";
            let values = vec![
                array(
                    sea_orm::sea_query::ArrayType::String,
                    column(|e| e.kind.code().into()),
                ),
                array(
                    sea_orm::sea_query::ArrayType::Uuid,
                    column(|e| e.user_id.into()),
                ),
                array(
                    sea_orm::sea_query::ArrayType::Uuid,
                    column(|e| e.plan_id.into()),
                ),
                array(
                    sea_orm::sea_query::ArrayType::String,
                    column(|e| e.role.map_or(String::new(), |role| role.to_value()).into()),
                ),
                // Text, '' for none: an array value cannot hold a NULL.
                array(
                    sea_orm::sea_query::ArrayType::String,
                    column(|e| {
                        e.actor
                            .map_or(String::new(), |actor| actor.to_string())
                            .into()
                    }),
                ),
                array(
                    sea_orm::sea_query::ArrayType::ChronoDateTimeUtc,
                    column(|e| e.at.into()),
                ),
                WAKE_CHANNEL.into(),
            ];
            txn.query_all_raw(statement(backend, sql, values)).await?;
        }
        _ => {
            // One JSON value, so no write is too large for SQLite's limit on bound values;
            // ids as hex, unhexed into the 16-byte blobs sqlx binds a UUID as.
            let hex = |id: Uuid| id.simple().to_string();
            let rows: Vec<serde_json::Value> = events
                .iter()
                .map(|e| {
                    serde_json::json!([
                        e.kind.code(),
                        hex(e.user_id),
                        hex(e.plan_id),
                        e.role.map(|role| role.to_value()),
                        e.actor.map(hex),
                        // As sqlx writes a timestamp to SQLite.
                        e.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
                    ])
                })
                .collect();
            let sql = "INSERT INTO membership_events \
                       (txid, kind, user_id, plan_id, role, actor_id, at) \
                       SELECT 0, e.value ->> 0, unhex(e.value ->> 1), unhex(e.value ->> 2), \
                       e.value ->> 3, unhex(e.value ->> 4), e.value ->> 5 \
                       FROM json_each(?) AS e ORDER BY e.key";
            let values = vec![serde_json::Value::Array(rows).to_string().into()];
            txn.execute_raw(statement(backend, sql, values)).await?;
        }
    }
    Ok(())
}

fn array(kind: sea_orm::sea_query::ArrayType, values: Vec<Value>) -> Value {
    Value::Array(kind, Some(Box::new(values)))
}

/// Which events a read returns.
#[derive(Clone, Copy, Debug)]
pub struct Selection {
    pub user_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub visibility: Visibility,
}

impl Selection {
    pub const EVERYTHING: Selection = Selection {
        user_id: None,
        plan_id: None,
        visibility: Visibility::Everything,
    };
}

/// Which way a read walks the order from its bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walk {
    /// Oldest first, after `from`, before `to`.
    Forward,
    /// Newest first, before `to`, after `from`.
    Backward,
}

/// One read of the history: at most `limit` settled events strictly between `from` and
/// `to`, in `walk`'s direction. One statement, on the order index (or a user's or plan's).
pub async fn read(
    db: &DatabaseConnection,
    selection: Selection,
    from: EventKey,
    to: Option<EventKey>,
    walk: Walk,
    limit: u64,
) -> AppResult<Vec<Recorded>> {
    let backend = db.get_database_backend();
    let mut conditions = vec![
        settled(backend).to_owned(),
        "(txid, position) > (?, ?)".into(),
    ];
    let mut values: Vec<Value> = vec![from.txid.into(), from.position.into()];
    if let Some(to) = to {
        conditions.push("(txid, position) < (?, ?)".into());
        values.extend([to.txid.into(), to.position.into()]);
    }
    for (column, id) in [
        ("user_id", selection.user_id),
        ("plan_id", selection.plan_id),
    ] {
        if let Some(id) = id {
            conditions.push(format!("{column} = ?"));
            values.push(id.into());
        }
    }
    if let Some(Condition { sql, values: more }) = seen(selection.visibility) {
        conditions.push(sql);
        values.extend(more);
    }
    let dir = match walk {
        Walk::Forward => "ASC",
        Walk::Backward => "DESC",
    };
    let sql = format!(
        "SELECT {} FROM membership_events WHERE {} \
         ORDER BY txid {dir}, position {dir} LIMIT ?",
        Recorded::COLUMNS,
        conditions.join(" AND ")
    );
    values.push((limit as i64).into());
    Ok(rows::fetch_all(db, statement(backend, &sql, values)).await?)
}

/// One page of `membershipHistory`: the events in the history's order.
pub struct Page {
    pub events: Vec<Recorded>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// A page of the settled history, `first` after `after` or `last` before `before`, oldest
/// first either way, in one statement.
pub async fn page(
    db: &DatabaseConnection,
    retention: Retention,
    selection: Selection,
    args: &PageArgs,
) -> AppResult<Page> {
    let (backward, limit) = args.walk()?;
    // A cursor whose event was purged may have lost the events next to it too: refused, as
    // by the live stream, rather than a page with a silent gap.
    let after = retention.kept(db, "after", args.after.as_deref()).await?;
    let before = retention.kept(db, "before", args.before.as_deref()).await?;
    let walk = if backward {
        Walk::Backward
    } else {
        Walk::Forward
    };
    // One extra event tells whether another page follows.
    let mut events = read(
        db,
        selection,
        after.unwrap_or_default(),
        before,
        walk,
        limit + 1,
    )
    .await?;
    let (has_next_page, has_previous_page) = args.settle_page(&mut events, backward, limit);
    Ok(Page {
        events,
        has_next_page,
        has_previous_page,
    })
}

/// The events after `from` that the live stream may deliver now, oldest first, and whether
/// later ones were seen that are committed but not yet settled (their turn comes when an
/// older transaction finishes, which may announce nothing, so the reader looks again soon).
pub async fn tail(
    db: &DatabaseConnection,
    from: EventKey,
    limit: u64,
) -> Result<(Vec<Recorded>, bool), DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT {}, {} FROM membership_events WHERE (txid, position) > (?, ?) \
         ORDER BY txid, position LIMIT ?",
        Recorded::COLUMNS,
        settled(backend)
    );
    let values = vec![
        from.txid.into(),
        from.position.into(),
        (limit as i64).into(),
    ];
    let rows = db.read_all(statement(backend, &sql, values)).await?;
    let mut events = Vec::with_capacity(rows.len());
    let mut waiting = false;
    for mut columns in columns_of(&rows) {
        let recorded = Recorded::read(&mut columns)?;
        // Settled rows come first: settling goes by txid, the order's first column.
        if columns.get::<bool>()? {
            events.push(recorded);
        } else {
            waiting = true;
            break;
        }
    }
    Ok((events, waiting))
}

/// The last settled event's key (or the start of the history): where a reader that wants
/// only what comes next begins.
pub async fn settled_end(db: &DatabaseConnection) -> Result<EventKey, DbErr> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT {} FROM membership_events WHERE {} \
         ORDER BY txid DESC, position DESC LIMIT 1",
        EventKey::COLUMNS,
        settled(backend)
    );
    let end = rows::fetch_one(db, statement(backend, &sql, Vec::new())).await?;
    Ok(end.unwrap_or_default())
}

/// On PostgreSQL, whether the history's order still holds: every stored transaction id is
/// below the next one the server will hand out. A database restored with `pg_dump` (or
/// moved with logical replication) starts its ids again from low numbers, so new events
/// would sort before the old ones and never settle after them. `Err` says what to do.
pub async fn order_holds(db: &DatabaseConnection) -> Result<Result<(), String>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(Ok(()));
    }
    let sql = "SELECT COALESCE(MAX(txid), 0) >= \
               pg_snapshot_xmax(pg_current_snapshot())::text::bigint \
               FROM membership_events";
    let row = db.read_one(statement(backend, sql, Vec::new())).await?;
    let ahead = match row {
        Some(row) => rows::columns_of_one(&row).get::<bool>()?,
        None => false,
    };
    Ok(if ahead {
        Err(
            "membership_events holds transaction ids ahead of this database's (it was restored \
             or moved from another server): the history's order cannot hold; empty it with \
             `TRUNCATE membership_events` (clients then get cursor_expired and reload)"
                .to_owned(),
        )
    } else {
        Ok(())
    })
}

/// Whether a row is settled: no transaction that could still write before it is running.
fn settled(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "(txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint)",
        _ => "(1 = 1)",
    }
}

/// A signed-in user sees the changes of the plans they are a member of, and their own.
fn seen(visibility: Visibility) -> Option<Condition> {
    let mut plan = visibility.plan("membership_events.plan_id")?;
    if let Visibility::Member(viewer) = visibility {
        plan.sql = format!("(user_id = ? OR {})", plan.sql);
        plan.values.insert(0, viewer.into());
    }
    Some(plan)
}

impl Row for EventKey {
    const COLUMNS: &'static str = "txid, position";

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        Ok(EventKey {
            txid: columns.get()?,
            position: columns.get()?,
        })
    }
}

impl Row for Recorded {
    const COLUMNS: &'static str = "txid, position, kind, user_id, plan_id, role, actor_id, at";

    fn read(columns: &mut Columns<'_>) -> Result<Self, DbErr> {
        let key = EventKey::read(columns)?;
        let kind: String = columns.get()?;
        let kind = EventKind::from_code(&kind)
            .ok_or_else(|| DbErr::Type(format!("unknown membership event kind {kind:?}")))?;
        let user_id = columns.get()?;
        let plan_id = columns.get()?;
        let role = columns
            .get::<Option<String>>()?
            .map(|role| Role::try_from_value(&role))
            .transpose()?;
        Ok(Recorded {
            key,
            event: MembershipEvent {
                kind,
                user_id,
                plan_id,
                role,
                actor: columns.get()?,
                at: columns.time()?,
            },
        })
    }
}

/// An event's cursor: opaque to clients, and refused unless this server made it.
pub fn cursor(key: EventKey) -> String {
    let data = CursorData {
        o: CURSOR_TAG.to_owned(),
        t: key.txid,
        p: key.position,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).expect("cursor serializes"))
}

const CURSOR_TAG: &str = "membership_events";

#[derive(Serialize, Deserialize)]
struct CursorData {
    o: String,
    t: i64,
    p: i64,
}

/// The key a cursor names, or BAD_USER_INPUT naming `field`.
fn parse_cursor(field: &str, cursor: &str) -> AppResult<EventKey> {
    let invalid =
        || AppError::bad_input(field, format!("{field} is not a membership event cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let data: CursorData = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if data.o != CURSOR_TAG || data.p < 1 || data.t < 0 {
        return Err(invalid());
    }
    Ok(EventKey {
        txid: data.t,
        position: data.p,
    })
}

/// How long the history keeps an event; `None` keeps everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention(pub Option<std::time::Duration>);

impl std::str::FromStr for Retention {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text == "0" {
            return Ok(Retention(None));
        }
        let invalid = || format!("{text:?} is not a period: a number with s, m, h or d, or 0");
        let split = text
            .len()
            .checked_sub(1)
            .filter(|&at| text.is_char_boundary(at));
        let (number, unit) = text.split_at(split.ok_or_else(invalid)?);
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let number: u64 = number.parse().map_err(|_| invalid())?;
        let seconds = match unit {
            "s" => Some(number),
            "m" => number.checked_mul(60),
            "h" => number.checked_mul(3_600),
            "d" => number.checked_mul(86_400),
            _ => None,
        };
        // Past a century, a period is "forever" in all but name; chrono's arithmetic
        // on dates stops not far beyond.
        match seconds.filter(|&seconds| seconds > 0 && seconds <= 100 * 365 * 86_400) {
            Some(seconds) => Ok(Retention(Some(std::time::Duration::from_secs(seconds)))),
            None => Err(invalid()),
        }
    }
}

/// Rows are purged this long after they leave the retention period. An event's `at` is
/// taken when its write starts and its place in the order when the write first changes a
/// row, so an event can follow one whose `at` is later, by at most a write's duration
/// (bounded by the request time limit). Purging only older rows means that a cursor still
/// inside the period never has a later event purged from under it.
const PURGE_GRACE: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// How many rows one purge statement deletes: each batch is its own short transaction, so
/// writers never wait behind a long delete.
pub const PURGE_BATCH: i64 = 1_000;

impl Retention {
    /// The key `cursor` names (none without one), once [`parse_cursor`] and
    /// [`Retention::check`] accept it.
    pub async fn kept(
        self,
        db: &DatabaseConnection,
        field: &str,
        cursor: Option<&str>,
    ) -> AppResult<Option<EventKey>> {
        let Some(cursor) = cursor else {
            return Ok(None);
        };
        let key = parse_cursor(field, cursor)?;
        self.check(db, field, key).await?;
        Ok(Some(key))
    }

    /// Refuses `cursor` (BAD_USER_INPUT, reason `cursor_expired`) when its event is older
    /// than the period, or is not in the history (purged, under this period or an earlier
    /// one, or never there): the events after it may be gone too, and a cursor past the end
    /// would hide every event to come.
    async fn check(self, db: &DatabaseConnection, field: &str, key: EventKey) -> AppResult<()> {
        let backend = db.get_database_backend();
        let sql = "SELECT at FROM membership_events WHERE position = ? AND txid = ?";
        let row = db
            .read_one(statement(
                backend,
                sql,
                vec![key.position.into(), key.txid.into()],
            ))
            .await?;
        let at = row
            .map(|row| rows::columns_of_one(&row).time())
            .transpose()?;
        match (at, self.0) {
            (Some(_), None) => Ok(()),
            (Some(at), Some(period)) if at >= super::now() - period => Ok(()),
            _ => Err(AppError::cursor_expired(field)),
        }
    }

    /// Deletes one batch of the oldest rows that left the period (with [`PURGE_GRACE`]),
    /// and says how many. It reads at most [`PURGE_BATCH`] rows by position, the oldest,
    /// so a purge finds its rows without an index on `at` and without scanning the rest.
    /// On PostgreSQL one instance at a time purges: a transaction-level advisory lock,
    /// which an instance that does not get it skips.
    pub async fn purge_batch(self, db: &DatabaseConnection) -> Result<u64, DbErr> {
        let Some(period) = self.0 else {
            return Ok(0);
        };
        let cutoff = super::now() - period - PURGE_GRACE;
        let backend = db.get_database_backend();
        let txn = sea_orm::TransactionTrait::begin(db).await?;
        if backend == DbBackend::Postgres {
            let locked = txn
                .query_one_raw(statement(
                    backend,
                    "SELECT pg_try_advisory_xact_lock(?)",
                    vec![PURGE_LOCK.into()],
                ))
                .await?
                .map(|row| row.try_get_by_index::<bool>(0))
                .transpose()?;
            if locked != Some(true) {
                txn.rollback().await?;
                return Ok(0);
            }
        }
        // Settled rows only: one whose transaction is still behind an older one has not been
        // delivered yet, however old.
        let sql = format!(
            "DELETE FROM membership_events WHERE position IN (\
             SELECT position FROM (SELECT position, at FROM membership_events WHERE {} \
             ORDER BY position LIMIT ?) oldest WHERE at < ?)",
            settled(backend)
        );
        let deleted = txn
            .execute_raw(statement(
                backend,
                &sql,
                vec![PURGE_BATCH.into(), cutoff.into()],
            ))
            .await?
            .rows_affected();
        txn.commit().await?;
        Ok(deleted)
    }
}

/// The advisory lock of the history's purge: any fixed number other locks do not use.
const PURGE_LOCK: i64 = 0x7573_6572_706c_616e; // "userplan"

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn retention_periods_parse_with_their_unit() {
        let period = |text: &str| text.parse::<Retention>();
        assert_eq!(period("0"), Ok(Retention(None)));
        assert_eq!(period("45s"), Ok(Retention(Some(Duration::from_secs(45)))));
        assert_eq!(
            period("90m"),
            Ok(Retention(Some(Duration::from_secs(5_400))))
        );
        assert_eq!(
            period("12h"),
            Ok(Retention(Some(Duration::from_secs(43_200))))
        );
        assert_eq!(
            period("30d"),
            Ok(Retention(Some(Duration::from_secs(2_592_000))))
        );
        assert_eq!(
            period("36500d"),
            Ok(Retention(Some(Duration::from_secs(3_153_600_000))))
        );
        for refused in [
            "",
            "d",
            "30",
            "0s",
            "+1h",
            "-1h",
            "1.5h",
            "1 h",
            "1H",
            "1w",
            "30dd",
            "ünd",
            "36501d",
            "99999999999999999999d",
            "213503982334601d",
        ] {
            assert!(period(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_what_this_server_did_not_make() {
        let key = EventKey {
            txid: 4_918,
            position: 12,
        };
        assert_eq!(parse_cursor("after", &cursor(key)).unwrap(), key);
        let forged = |json: &str| URL_SAFE_NO_PAD.encode(json);
        for refused in [
            String::new(),
            "not base64!".to_owned(),
            forged(r#"{"o":"users","t":1,"p":1}"#),
            forged(r#"{"o":"membership_events","t":-1,"p":1}"#),
            forged(r#"{"o":"membership_events","t":0,"p":0}"#),
            forged(r#"{"o":"membership_events","t":"1","p":1}"#),
            format!("{}x", cursor(key)),
        ] {
            assert!(parse_cursor("after", &refused).is_err(), "{refused:?}");
        }
    }
}
