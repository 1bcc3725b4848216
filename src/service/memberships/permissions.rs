//! Who may change what (AUTH.md, "What the viewer may change"), checked inside each write's
//! transaction after its locks: first whether the caller can see what the call names
//! (hidden reads exactly like missing: the same error, byte for byte), then whether it may
//! change each link the call would change (FORBIDDEN naming the plans), then the
//! last-owner rule (CONFLICT naming the plans). The service token, and a server without
//! sign-in, skip all of it: their writes run exactly as before sign-in existed.
//!
//! What a check needs is read in one statement ([`read_facts`]): the plans the call names
//! with the caller's role in each and the links that matter (the caller's, those of the
//! users named, and one OWNER's besides them), and the users named with whether the caller
//! sees them.

use std::collections::{BTreeMap, BTreeSet};

use entity::user_plan::Role;
use sea_orm::{
    ActiveEnum, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, QueryResult, Value,
};
use uuid::Uuid;

use super::Side;
use super::write::WriteError;
use crate::auth::Viewer;
use crate::error::{AppError, id_list};
use crate::service::sql::{one_of, statement};
use crate::service::visibility::seen_by_member;

/// A signed-in caller, as the rules see it.
#[derive(Clone, Copy, Debug)]
pub(in crate::service) struct Signed {
    pub user: Uuid,
    pub admin: bool,
}

/// The caller the rules apply to; none for the service token and a server without
/// sign-in (the viewer is then the service). An anonymous viewer never gets this far on a
/// server that has credentials; if one did, it would see nothing and change nothing.
pub(in crate::service) fn signed(viewer: Viewer) -> Option<Signed> {
    match viewer {
        Viewer::Service => None,
        Viewer::Anonymous => Some(Signed {
            user: Uuid::nil(),
            admin: false,
        }),
        Viewer::User(id) => Some(Signed {
            user: id.0,
            admin: false,
        }),
        Viewer::Admin(id) => Some(Signed {
            user: id.0,
            admin: true,
        }),
    }
}

/// One plan a call names, as far as the rules need it.
#[derive(Debug, Default)]
struct PlanFacts {
    /// The caller's role in it.
    viewer: Option<Role>,
    /// The caller's link, those of the users the call names, and one OWNER's link besides
    /// those if the plan has another OWNER (with [`Ask::every_link`], all of its links).
    /// The last-owner rule needs no more: a call changes only the links of the users it
    /// names, so an OWNER it does not name is still one after it.
    links: BTreeMap<Uuid, Role>,
}

#[derive(Debug, Default)]
struct Facts {
    /// The plans asked for that exist.
    plans: BTreeMap<Uuid, PlanFacts>,
    /// The users asked for that exist, and whether the caller sees them.
    users: BTreeMap<Uuid, bool>,
}

/// What [`read_facts`] reads.
#[derive(Default)]
struct Ask {
    plans: Vec<Uuid>,
    /// Also every plan this user is a member of.
    plans_of: Option<Uuid>,
    users: Vec<Uuid>,
    every_link: bool,
}

/// One statement, whatever the call names, and each of its parts an index range: the
/// plans by primary key, each with an OWNER other than the users named from
/// `user_plans_owners_idx` (the first one found: reading them all cost a plan with 50
/// OWNERs 50 rows in every write, inside its locks), the links by `(plan_id, user_id)`,
/// the users by primary key.
async fn read_facts(
    conn: &impl ConnectionTrait,
    signed: Signed,
    ask: &Ask,
) -> Result<Facts, DbErr> {
    let backend = conn.get_database_backend();
    let (sql, values) = facts_query(backend, signed, ask);
    let rows = conn.query_all_raw(statement(backend, &sql, values)).await?;
    facts_from(rows, signed)
}

/// [`read_facts`]'s statement, and the values of its placeholders.
fn facts_query(backend: DbBackend, signed: Signed, ask: &Ask) -> (String, Vec<Value>) {
    let mut values = Vec::new();
    let mut named = ask.users.clone();
    named.push(signed.user);
    // With every link read, the plan's OWNERs are among them.
    let other_owner = if ask.every_link {
        "NULL".to_owned()
    } else {
        // The role a literal, as the partial index's own predicate: a bound value would
        // not let either database use it.
        format!(
            "(SELECT o.user_id FROM user_plans o WHERE o.plan_id = p.id AND o.role = '{}' \
             AND NOT ({}) LIMIT 1)",
            Role::Owner.to_value(),
            one_of(backend, "o.user_id", &named, &mut values)
        )
    };
    let mut sql = format!(
        "SELECT 'P' AS kind, p.id AS plan_id, {other_owner} AS user_id, NULL AS role \
         FROM plans p WHERE "
    );
    sql += &plan_set(backend, "p.id", ask, &mut values);
    sql += " UNION ALL SELECT 'L', up.plan_id, up.user_id, up.role FROM user_plans up WHERE ";
    sql += &plan_set(backend, "up.plan_id", ask, &mut values);
    if !ask.every_link {
        sql += " AND ";
        sql += &one_of(backend, "up.user_id", &named, &mut values);
    }
    if !ask.users.is_empty() {
        // Seen as a read would see them, whatever the caller's admin flag: `known` weighs it.
        let seen = seen_by_member(signed.user, "u.id");
        sql += &format!(
            " UNION ALL SELECT 'U', NULL, u.id, \
              CASE WHEN {} THEN 'SEEN' ELSE 'HIDDEN' END FROM users u WHERE ",
            seen.sql
        );
        values.extend(seen.values);
        sql += &one_of(backend, "u.id", &ask.users, &mut values);
    }
    (sql, values)
}

fn facts_from(rows: Vec<QueryResult>, signed: Signed) -> Result<Facts, DbErr> {
    let mut facts = Facts::default();
    let mut links = Vec::new();
    for row in rows {
        let kind: String = row.try_get("", "kind")?;
        let plan: Option<Uuid> = row.try_get("", "plan_id")?;
        let user: Option<Uuid> = row.try_get("", "user_id")?;
        let role: Option<String> = row.try_get("", "role")?;
        match (kind.as_str(), plan, user, role) {
            ("P", Some(plan), other_owner, _) => {
                facts.plans.entry(plan).or_default();
                links.extend(other_owner.map(|owner| (plan, owner, Role::Owner)));
            }
            ("L", Some(plan), Some(user), Some(role)) => {
                links.push((plan, user, Role::try_from_value(&role)?));
            }
            ("U", _, Some(user), role) => {
                facts.users.insert(user, role.as_deref() == Some("SEEN"));
            }
            _ => return Err(DbErr::Type(format!("unexpected row of kind {kind}"))),
        }
    }
    for (plan, user, role) in links {
        if let Some(entry) = facts.plans.get_mut(&plan) {
            if user == signed.user {
                entry.viewer = Some(role);
            }
            entry.links.insert(user, role);
        }
    }
    Ok(facts)
}

/// A condition that `column` names one of the plans `ask` is about. On PostgreSQL a
/// user's plans come as an array (`= ANY(ARRAY(...))`), which keeps the OR of the two an
/// index scan of each; SQLite does that with `IN`.
fn plan_set(
    backend: DbBackend,
    column: &str,
    ask: &Ask,
    values: &mut Vec<sea_orm::Value>,
) -> String {
    let listed = one_of(backend, column, &ask.plans, values);
    let Some(user) = ask.plans_of else {
        return listed;
    };
    values.push(user.into());
    let theirs = "SELECT plan_id FROM user_plans WHERE user_id = ?";
    match backend {
        DbBackend::Postgres => format!("({listed} OR {column} = ANY(ARRAY({theirs})))"),
        _ => format!("({listed} OR {column} IN ({theirs}))"),
    }
}

impl Facts {
    fn visible(&self, signed: Signed, plan: Uuid) -> bool {
        self.plans
            .get(&plan)
            .is_some_and(|facts| signed.admin || facts.viewer.is_some())
    }

    fn manages(&self, plan: Uuid) -> bool {
        self.plans
            .get(&plan)
            .is_some_and(|facts| matches!(facts.viewer, Some(Role::Owner | Role::Admin)))
    }

    /// A user the caller may name: one they see, or anyone at all in a call on a plan they
    /// are OWNER or ADMIN of (that is how someone new joins, by an id handed over).
    fn known(&self, signed: Signed, user: Uuid, managed: bool) -> bool {
        self.users
            .get(&user)
            .is_some_and(|&seen| signed.admin || seen || managed)
    }
}

/// One link a call would change: its role now and after (none: no link).
#[derive(Clone, Copy, Debug)]
struct Change {
    user: Uuid,
    plan: Uuid,
    from: Option<Role>,
    to: Option<Role>,
}

/// Whether the caller may make this change, by AUTH.md's table.
fn may(signed: Signed, facts: &Facts, change: &Change) -> bool {
    if signed.admin || change.from == change.to {
        return true;
    }
    if change.to.is_none() && change.user == signed.user {
        return true;
    }
    let owners_link = change.from == Some(Role::Owner) || change.to == Some(Role::Owner);
    match facts.plans.get(&change.plan).and_then(|plan| plan.viewer) {
        Some(Role::Owner) => true,
        Some(Role::Admin) => !owners_link,
        Some(Role::Member) | None => false,
    }
}

/// FORBIDDEN unless every change is allowed, then CONFLICT if one would leave a plan that
/// has an OWNER without one.
fn judge(signed: Signed, facts: &Facts, changes: &[Change]) -> Result<(), AppError> {
    let refused: BTreeSet<Uuid> = changes
        .iter()
        .filter(|change| !may(signed, facts, change))
        .map(|change| change.plan)
        .collect();
    if !refused.is_empty() {
        return Err(forbidden_plans(refused));
    }
    let mut owners: BTreeMap<Uuid, (bool, BTreeSet<Uuid>)> = BTreeMap::new();
    for change in changes {
        let entry = owners.entry(change.plan).or_insert_with(|| {
            let now: BTreeSet<Uuid> = facts.plans[&change.plan]
                .links
                .iter()
                .filter(|(_, role)| **role == Role::Owner)
                .map(|(user, _)| *user)
                .collect();
            (!now.is_empty(), now)
        });
        if change.to == Some(Role::Owner) {
            entry.1.insert(change.user);
        } else {
            entry.1.remove(&change.user);
        }
    }
    let orphaned: Vec<Uuid> = owners
        .into_iter()
        .filter(|(_, (had, after))| *had && after.is_empty())
        .map(|(plan, _)| plan)
        .collect();
    match orphaned.is_empty() {
        true => Ok(()),
        false => Err(last_owner(orphaned)),
    }
}

fn forbidden_plans(plans: BTreeSet<Uuid>) -> AppError {
    let ids: Vec<Uuid> = plans.into_iter().collect();
    AppError::Forbidden {
        message: format!("you may not make this change to plan {}", id_list(&ids)),
        ids,
    }
}

fn last_owner(plans: Vec<Uuid>) -> AppError {
    AppError::Conflict {
        message: format!(
            "plan {} would be left without an OWNER: make someone else OWNER first, \
             or delete the plan",
            id_list(&plans)
        ),
        ids: plans,
    }
}

/// What an add, remove or set does.
#[derive(Clone, Copy, Debug)]
pub(super) enum LinkOp {
    Add(Role),
    Remove,
    Set(Role),
}

/// An add, remove or set as the rules judge it: from `side`, of `owner`'s links to `ids`.
#[derive(Clone, Copy)]
pub(super) struct LinkCall<'a> {
    pub side: Side,
    pub owner: Uuid,
    pub ids: &'a BTreeSet<Uuid>,
    pub op: LinkOp,
}

/// What a checked add, remove or set may touch.
pub(super) struct Allowed {
    /// The far ends to remove (remove: those named that the caller sees; set: those of
    /// its current links it sees that are not kept).
    pub remove: BTreeSet<Uuid>,
    /// The owner's far ends now, among those the caller sees.
    pub current: BTreeSet<Uuid>,
}

/// Checks an add, remove or set from either side, for a signed-in caller.
pub(super) async fn check_links(
    conn: &impl ConnectionTrait,
    signed: Signed,
    call: LinkCall<'_>,
) -> Result<Allowed, AppError> {
    let facts = read_facts(conn, signed, &links_ask(call)).await?;
    judge_links(&facts, signed, call)
}

/// [`check_links`] in the statement of the write it checks, `write` (an INSERT or DELETE
/// `RETURNING` the far ends), on PostgreSQL: what the rules need is read
/// in a CTE beside it, from the same snapshot, taken before the write changes anything.
/// One round trip fewer inside the write's locks, where every write on the same ends
/// waits. A refused call has written nothing once its transaction rolls back, as it does
/// on any error. Returns what was allowed, and the far ends the write returned.
pub(super) async fn check_links_in_write(
    txn: &DatabaseTransaction,
    signed: Signed,
    call: LinkCall<'_>,
    (write, write_values): (String, Vec<Value>),
) -> Result<(Allowed, BTreeSet<Uuid>), WriteError> {
    let (facts_sql, mut values) = facts_query(DbBackend::Postgres, signed, &links_ask(call));
    values.extend(write_values);
    let sql = format!(
        "WITH facts AS ({facts_sql}), written(far) AS ({write}) \
         SELECT kind, plan_id, user_id, role FROM facts \
         UNION ALL SELECT 'W', far, NULL, NULL FROM written"
    );
    let rows = txn
        .query_all_raw(statement(DbBackend::Postgres, &sql, values))
        .await
        .map_err(WriteError::Write)?;
    let (written, rows): (Vec<QueryResult>, Vec<QueryResult>) = rows.into_iter().partition(|row| {
        row.try_get::<String>("", "kind")
            .is_ok_and(|kind| kind == "W")
    });
    let written = written
        .iter()
        .map(|row| row.try_get("", "plan_id"))
        .collect::<Result<BTreeSet<Uuid>, DbErr>>()?;
    let facts = facts_from(rows, signed)?;
    let allowed = judge_links(&facts, signed, call)?;
    Ok((allowed, written))
}

/// What [`read_facts`] reads for an add, remove or set.
fn links_ask(
    LinkCall {
        side,
        owner,
        ids,
        op,
    }: LinkCall<'_>,
) -> Ask {
    let set = matches!(op, LinkOp::Set(_));
    let listed: Vec<Uuid> = ids.iter().copied().collect();
    match side {
        Side::User => Ask {
            plans: listed,
            plans_of: set.then_some(owner),
            users: vec![owner],
            ..Ask::default()
        },
        Side::Plan => Ask {
            plans: vec![owner],
            users: listed,
            every_link: set,
            ..Ask::default()
        },
    }
}

fn judge_links(
    facts: &Facts,
    signed: Signed,
    LinkCall {
        side,
        owner,
        ids,
        op,
    }: LinkCall<'_>,
) -> Result<Allowed, AppError> {
    let set = matches!(op, LinkOp::Set(_));
    let visible = |plan: Uuid| facts.visible(signed, plan);
    let (owner_missing, missing): (bool, Vec<Uuid>) = match side {
        Side::User => {
            let managed = ids.iter().any(|&plan| facts.manages(plan));
            (
                !facts.known(signed, owner, managed),
                ids.iter().copied().filter(|&plan| !visible(plan)).collect(),
            )
        }
        Side::Plan => {
            let managed = facts.manages(owner);
            (
                !visible(owner),
                ids.iter()
                    .copied()
                    .filter(|&user| !facts.known(signed, user, managed))
                    .collect(),
            )
        }
    };
    // The errors a missing id gets from each of these writes without sign-in: a remove
    // reports the far ends it has no link with as unchanged.
    let refused = match op {
        LinkOp::Remove => owner_missing.then(Vec::new),
        LinkOp::Add(_) | LinkOp::Set(_) => {
            (owner_missing || !missing.is_empty()).then_some(missing)
        }
    };
    if let Some(others) = refused {
        return Err(missing_error(side, owner, owner_missing, others));
    }
    let current: BTreeMap<Uuid, Role> = match side {
        Side::User => facts
            .plans
            .iter()
            .filter(|(plan, _)| visible(**plan))
            .filter_map(|(plan, links)| Some((*plan, *links.links.get(&owner)?)))
            .collect(),
        Side::Plan => facts
            .plans
            .get(&owner)
            .map(|plan| plan.links.clone())
            .unwrap_or_default(),
    };
    let current: BTreeMap<Uuid, Role> = match (side, set) {
        // Only the named users' links, and with set all of them, are the plan's links
        // this call is about (the caller's and an OWNER's came along for the rules).
        (Side::Plan, false) => current
            .into_iter()
            .filter(|(user, _)| ids.contains(user))
            .collect(),
        _ => current,
    };
    let change = |other: Uuid, from: Option<Role>, to: Option<Role>| {
        let (user, plan) = match side {
            Side::User => (owner, other),
            Side::Plan => (other, owner),
        };
        Change {
            user,
            plan,
            from,
            to,
        }
    };
    let added = |role: Role| {
        ids.iter()
            .filter(|id| !current.contains_key(id))
            .map(move |&id| change(id, None, Some(role)))
    };
    let remove: BTreeSet<Uuid> = match op {
        LinkOp::Add(_) => BTreeSet::new(),
        LinkOp::Remove => ids
            .iter()
            .copied()
            .filter(|id| current.contains_key(id))
            .collect(),
        LinkOp::Set(_) => current
            .keys()
            .copied()
            .filter(|id| !ids.contains(id))
            .collect(),
    };
    let mut changes: Vec<Change> = remove
        .iter()
        .map(|&id| change(id, Some(current[&id]), None))
        .collect();
    if let LinkOp::Add(role) | LinkOp::Set(role) = op {
        changes.extend(added(role));
    }
    judge(signed, facts, &changes)?;
    Ok(Allowed {
        remove,
        current: current.into_keys().collect(),
    })
}

/// The NOT_FOUND of ids that name no row (or none the caller sees): the owner, then the
/// far ends.
pub(super) fn missing_error(
    side: Side,
    owner: Uuid,
    owner_missing: bool,
    others: Vec<Uuid>,
) -> AppError {
    let mut message = Vec::new();
    let mut missing = Vec::new();
    if owner_missing {
        message.push(format!("no {} with id {owner}", side.noun()));
        missing.push(owner);
    }
    let others: Vec<Uuid> = others
        .into_iter()
        .filter(|id| !(owner_missing && *id == owner))
        .collect();
    if !others.is_empty() {
        message.push(format!(
            "no {} with id {}",
            side.other().noun(),
            id_list(&others)
        ));
        missing.extend(others);
    }
    AppError::NotFound {
        message: message.join("; "),
        ids: missing,
    }
}

/// The join row's own actions on (user, plan), for a signed-in caller: `to` is the role it
/// would have (none: deleted), `create` whether the call makes it.
pub(super) async fn check_join_row(
    conn: &impl ConnectionTrait,
    signed: Signed,
    user: Uuid,
    plan: Uuid,
    to: Option<Role>,
    create: bool,
) -> Result<(), AppError> {
    let ask = Ask {
        plans: vec![plan],
        users: vec![user],
        ..Ask::default()
    };
    let facts = read_facts(conn, signed, &ask).await?;
    let visible = facts.visible(signed, plan);
    let from = if create {
        let user_missing = !facts.known(signed, user, facts.manages(plan));
        if user_missing || !visible {
            let plans = if visible { vec![] } else { vec![plan] };
            return Err(missing_error(Side::User, user, user_missing, plans));
        }
        None
    } else {
        let linked = facts.plans.get(&plan).and_then(|p| p.links.get(&user));
        match linked {
            Some(&role) if visible => Some(role),
            _ => return Err(super::join_row::not_linked(user, plan)),
        }
    };
    judge(
        signed,
        &facts,
        &[Change {
            user,
            plan,
            from,
            to,
        }],
    )
}

/// NOT_FOUND if the caller cannot see the plan, FORBIDDEN unless their role in it is one
/// of `roles` (an administrator may do anything).
pub(in crate::service) async fn plan_role_at_least(
    conn: &impl ConnectionTrait,
    signed: Signed,
    plan: Uuid,
    roles: &[Role],
) -> Result<(), AppError> {
    let ask = Ask {
        plans: vec![plan],
        ..Ask::default()
    };
    let facts = read_facts(conn, signed, &ask).await?;
    if !facts.visible(signed, plan) {
        return Err(AppError::not_found("plan", vec![plan]));
    }
    let role = facts.plans[&plan].viewer;
    if signed.admin || role.is_some_and(|role| roles.contains(&role)) {
        return Ok(());
    }
    Err(forbidden_plans(BTreeSet::from([plan])))
}

/// deleteUser of oneself (or by an administrator): CONFLICT naming the plans the user is
/// the last OWNER of.
pub(super) async fn check_user_deletion(
    conn: &impl ConnectionTrait,
    signed: Signed,
    user: Uuid,
) -> Result<(), AppError> {
    let ask = Ask {
        plans_of: Some(user),
        users: vec![user],
        ..Ask::default()
    };
    let facts = read_facts(conn, signed, &ask).await?;
    let orphaned: Vec<Uuid> = facts
        .plans
        .iter()
        .filter(|(_, plan)| {
            plan.links.get(&user) == Some(&Role::Owner)
                && plan.links.values().filter(|r| **r == Role::Owner).count() == 1
        })
        .map(|(plan, _)| *plan)
        .collect();
    match orphaned.is_empty() {
        true => Ok(()),
        false => Err(last_owner(orphaned)),
    }
}

/// updateUser or deleteUser of someone else by a user who is not an administrator: never
/// allowed, NOT_FOUND if they cannot see that user.
pub(in crate::service) async fn refuse_other_user(
    conn: &impl ConnectionTrait,
    signed: Signed,
    user: Uuid,
) -> AppError {
    let ask = Ask {
        users: vec![user],
        ..Ask::default()
    };
    match read_facts(conn, signed, &ask).await {
        Ok(facts) if facts.known(signed, user, false) => AppError::Forbidden {
            message: format!("you may not change user {user}: only they may"),
            ids: vec![user],
        },
        Ok(_) => AppError::not_found("user", vec![user]),
        Err(err) => err.into(),
    }
}
