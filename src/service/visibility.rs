//! What a viewer may see, as SQL: the one place that writes the condition every read adds
//! (AUTH.md, "Who the viewer may see").
//!
//! A signed-in user sees a plan when they are a member of it, a link (a `user_plans` row)
//! when they see its plan, and a user when it is themself or shares a plan with them. Each
//! condition is an `EXISTS` that probes an index of `user_plans` (for counting all users,
//! a set computed once), written into the statement that reads the rows (in a nested
//! list's per-parent subquery, before its `LIMIT`), so filtering costs no statement. For
//! the service and administrators there is no condition at all: their statements are
//! exactly those of a server without sign-in. The README's "Visibility in SQL" has the
//! figures.

use sea_orm::{DbBackend, Value};
use uuid::Uuid;

use crate::auth::Viewer;

/// Whose eyes a read is filtered for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Every row: the service, administrators, a server without credentials.
    Everything,
    /// What this user's memberships show them.
    Member(Uuid),
    /// No row: an anonymous caller, whom the access rules stop before any read; should a
    /// read reach data for one anyway, it finds nothing.
    Nothing,
}

impl From<Viewer> for Visibility {
    fn from(viewer: Viewer) -> Self {
        match viewer {
            Viewer::Service | Viewer::Admin(_) => Visibility::Everything,
            Viewer::User(id) => Visibility::Member(id.0),
            Viewer::Anonymous => Visibility::Nothing,
        }
    }
}

/// A condition on a row and the values of its placeholders, in their order.
#[derive(Debug, Clone)]
pub struct Condition {
    pub sql: String,
    pub values: Vec<Value>,
}

impl Visibility {
    /// That the plan whose id is in `plan_id` (a qualified column) is seen; also the
    /// condition on a link, which is seen with its plan.
    pub fn plan(self, plan_id: &str) -> Option<Condition> {
        match self {
            Visibility::Everything => None,
            Visibility::Nothing => Some(nothing()),
            Visibility::Member(viewer) => Some(member_sees_plan(viewer, plan_id, "")),
        }
    }

    /// [`Visibility::plan`] for one row of a walk that is short by itself (a parent's
    /// links, a user's links, a batch's parents): a probe by primary key that PostgreSQL
    /// must make per row. `OFFSET 0` keeps it from turning the `EXISTS` into a join with
    /// the viewer's links, which its generic plan, estimating a user's few links, merges
    /// per row: a viewer in all 2,000 plans of the large dataset had about 1,700 of their
    /// links read for each user of a page (`User.plans` of 50 users 21 ms, probed 3.9 ms).
    /// A root page keeps [`Visibility::plan`]: the join is its quick way to the few plans
    /// of a viewer in few.
    pub fn plan_probed(self, plan_id: &str) -> Option<Condition> {
        match self {
            Visibility::Member(viewer) => Some(member_sees_plan(viewer, plan_id, PROBED)),
            _ => self.plan(plan_id),
        }
    }

    /// [`Visibility::plan`] for the links of `parents` parents read at once (nested lists
    /// or counts): one parent's few links are probed ([`Visibility::plan_probed`]); for a
    /// batch, on PostgreSQL, the viewer's plans are read once per statement into a hashed
    /// set, and each link is a lookup in it. `IS TRUE` keeps the planner from
    /// turning the `IN` into a join, which its generic plan made per parent, reading the
    /// viewer's links again for each one. A probe per link
    /// ([`Visibility::plan_probed`]) costs a descent of an index, which for a batch of
    /// hundreds of links is the most of the statement (Q2's innermost level 8.0 ms against
    /// 1.1 ms unfiltered); the set costs a read of the viewer's links, small for anyone
    /// but a member of every plan. SQLite, whose probes are calls into the same process,
    /// keeps the probe. The README's "Visibility in SQL" has the figures.
    pub fn plan_in_batch(
        self,
        backend: DbBackend,
        plan_id: &str,
        parents: usize,
    ) -> Option<Condition> {
        match (self, backend) {
            (Visibility::Member(viewer), DbBackend::Postgres) if parents > 1 => Some(Condition {
                sql: format!(
                    "({plan_id} IN (SELECT seen.plan_id FROM user_plans seen \
                     WHERE seen.user_id = ?)) IS TRUE"
                ),
                values: vec![viewer.into()],
            }),
            _ => self.plan_probed(plan_id),
        }
    }

    /// [`Visibility::plan`] of the plan with this id: a test that refers to no row, which
    /// a statement makes once.
    pub fn plan_with_id(self, plan: Uuid) -> Option<Condition> {
        let mut condition = self.plan("?")?;
        if let Visibility::Member(_) = self {
            condition.values.push(plan.into());
        }
        Some(condition)
    }

    /// That the user whose id is in `user_id` (a qualified column) is seen, for rows read
    /// by key or a page: a probe per row of that user's links, each of them against the
    /// viewer's by primary key ([`Visibility::plan_probed`]).
    ///
    /// Written as one `EXISTS` over a `UNION ALL` (the viewer themself, then a shared
    /// plan) because that is a subquery PostgreSQL must run per row. As `id = ? OR
    /// EXISTS (...)` it may instead hash every fellow member of the viewer first, for each
    /// statement: on a 2,000-user database a page of 50 took 8.4 ms that way for a viewer
    /// in every plan (0.37 ms probed) and 2.8 ms for one in five plans (0.83 ms).
    pub fn user(self, user_id: &str) -> Option<Condition> {
        match self {
            Visibility::Everything => None,
            Visibility::Nothing => Some(nothing()),
            Visibility::Member(viewer) => Some(seen_by_member(viewer, user_id)),
        }
    }

    /// [`Visibility::user`] for counting a whole table (`totalCount`): the viewer and
    /// their fellow members, as one set that both databases compute once per statement.
    /// The probe's `OR` leaves PostgreSQL to test it on every row of the table (0.4-1.1 s
    /// on the large dataset, against 12-31 ms for the set); a page, which a LIMIT stops,
    /// is quicker with the probe (3-7 ms, against 30-48 ms).
    pub fn users(self, user_id: &str) -> Option<Condition> {
        match self {
            Visibility::Everything => None,
            Visibility::Nothing => Some(nothing()),
            Visibility::Member(viewer) => Some(Condition {
                sql: format!(
                    "{user_id} IN (SELECT ? UNION ALL SELECT theirs.user_id \
                     FROM user_plans mine JOIN user_plans theirs ON theirs.plan_id = mine.plan_id \
                     WHERE mine.user_id = ?)"
                ),
                values: vec![viewer.into(), viewer.into()],
            }),
        }
    }
}

/// [`Visibility::user`] for a member: that the user in `user_id` is `viewer` or shares a
/// plan with them.
pub fn seen_by_member(viewer: Uuid, user_id: &str) -> Condition {
    let shared = member_sees_plan(viewer, "theirs.plan_id", PROBED);
    let mut values = vec![viewer.into()];
    values.extend(shared.values);
    Condition {
        sql: format!(
            "EXISTS (SELECT 1 WHERE {user_id} = ? UNION ALL SELECT 1 \
             FROM user_plans theirs WHERE theirs.user_id = {user_id} AND {})",
            shared.sql
        ),
        values,
    }
}

/// What ends a subquery that PostgreSQL must run per row rather than join: its planner
/// keeps a subquery with an OFFSET apart (a `LIMIT 1` before it, because SQLite takes
/// no OFFSET without a LIMIT).
const PROBED: &str = " LIMIT 1 OFFSET 0";

/// That `viewer` is a member of the plan in `plan_id`, `tail` ending the subquery.
fn member_sees_plan(viewer: Uuid, plan_id: &str, tail: &str) -> Condition {
    Condition {
        sql: format!(
            "EXISTS (SELECT 1 FROM user_plans seen \
             WHERE seen.user_id = ? AND seen.plan_id = {plan_id}{tail})"
        ),
        values: vec![viewer.into()],
    }
}

fn nothing() -> Condition {
    Condition {
        sql: "1 = 0".to_owned(),
        values: Vec::new(),
    }
}

/// ` AND <condition>` with its values pushed onto `values`, or nothing without a condition.
pub fn and(condition: Option<Condition>, values: &mut Vec<Value>) -> String {
    clause("AND", condition, values)
}

/// ` WHERE <condition>`, as [`and`].
pub fn filter(condition: Option<Condition>, values: &mut Vec<Value>) -> String {
    clause("WHERE", condition, values)
}

fn clause(keyword: &str, condition: Option<Condition>, values: &mut Vec<Value>) -> String {
    match condition {
        Some(condition) => {
            values.extend(condition.values);
            format!(" {keyword} {}", condition.sql)
        }
        None => String::new(),
    }
}
