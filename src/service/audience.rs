//! Which membership events a subscriber receives (AUTH.md, "Live updates"): a signed-in
//! user gets the events of the plans they are a member of when the event happens.
//!
//! Their plans are read once, when the subscription starts (as they were at the point the
//! stream starts from, which for a resumed stream is in the past), and then kept current
//! from the events themselves: every change to the set is an event of one of the viewer's
//! own links (deleting a plan or the user announces each removed link too), so following
//! those is enough, with no statement per event. Every instance reads the same history in
//! the same order, so a subscriber is filtered the same whichever instance it is connected
//! to, and a resumed stream the same as one that never broke.

use std::collections::HashSet;

use sea_orm::DatabaseConnection;
use uuid::Uuid;

use super::UserId;
use super::events::{EventKind, MembershipEvent};
use super::history::EventKey;
use super::rows::{Row, columns_of};
use super::sql::statement;
use crate::auth::Viewer;
use crate::db::Reads;
use crate::error::AppResult;

pub enum Audience {
    /// The service and administrators.
    Everything,
    /// A signed-in user, and the plans they are a member of as of the last event.
    Member { user: Uuid, plans: HashSet<Uuid> },
    /// Anonymous callers see no data.
    Nobody,
}

impl Audience {
    /// The audience of a stream whose next event is the first after `since`: for a
    /// signed-in user, the plans they were a member of right after that event. Those are
    /// their plans now, with their own changes after `since` undone, newest first, both
    /// read in one statement (so from one snapshot, whatever commits meanwhile); the
    /// stream then replays those changes in order like any others.
    pub async fn of(db: &DatabaseConnection, viewer: Viewer, since: EventKey) -> AppResult<Self> {
        Ok(match viewer {
            Viewer::Service | Viewer::Admin(_) => Audience::Everything,
            Viewer::Anonymous => Audience::Nobody,
            Viewer::User(user) => Audience::Member {
                user: user.0,
                plans: plans_of(db, user, since).await?,
            },
        })
    }

    /// Whether the subscriber receives `event`; called for every event, in order, as it
    /// keeps the viewer's plans current. Their own new link's ADDED arrives (the plan is
    /// theirs from then on), and their own link's REMOVED is the last event of that plan.
    pub fn admits(&mut self, event: &MembershipEvent) -> bool {
        match self {
            Audience::Everything => true,
            Audience::Nobody => false,
            Audience::Member { user, plans } if event.user_id == *user => {
                match event.kind {
                    EventKind::Added | EventKind::Updated => plans.insert(event.plan_id),
                    EventKind::Removed => plans.remove(&event.plan_id),
                };
                true
            }
            Audience::Member { plans, .. } => plans.contains(&event.plan_id),
        }
    }
}

/// The plans `user` was a member of right after the event at `since`.
async fn plans_of(
    db: &DatabaseConnection,
    user: UserId,
    since: EventKey,
) -> AppResult<HashSet<Uuid>> {
    let backend = db.get_database_backend();
    // Every committed change, settled or not: the membership read reflects them all.
    let sql = "SELECT plan_id, NULL AS kind, 0 AS txid, 0 AS position \
               FROM user_plans WHERE user_id = ? \
               UNION ALL \
               SELECT plan_id, kind, txid, position FROM membership_events \
               WHERE user_id = ? AND (txid, position) > (?, ?)";
    let values = vec![
        user.into(),
        user.into(),
        since.txid.into(),
        since.position.into(),
    ];
    let rows = db.read_all(statement(backend, sql, values)).await?;
    let mut plans = HashSet::new();
    let mut changes = Vec::new();
    for mut columns in columns_of(&rows) {
        let plan: Uuid = columns.get()?;
        match columns.get::<Option<String>>()? {
            None => {
                plans.insert(plan);
            }
            Some(kind) => changes.push((EventKey::read(&mut columns)?, kind, plan)),
        }
    }
    changes.sort_unstable();
    for (_, kind, plan) in changes.into_iter().rev() {
        match EventKind::from_code(&kind) {
            // Before it was added, the link was not there; before it was removed, it was.
            Some(EventKind::Added) => plans.remove(&plan),
            Some(EventKind::Removed) => plans.insert(plan),
            Some(EventKind::Updated) | None => true,
        };
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use entity::user_plan::Role;

    use super::*;

    fn event(kind: EventKind, user: Uuid, plan: Uuid) -> MembershipEvent {
        MembershipEvent {
            kind,
            user_id: user,
            plan_id: plan,
            role: (kind != EventKind::Removed).then_some(Role::Member),
            at: crate::service::now(),
            actor: None,
        }
    }

    #[test]
    fn a_member_follows_their_own_links() {
        let (me, other, mine, theirs) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let mut audience = Audience::Member {
            user: me,
            plans: HashSet::from([mine]),
        };
        let mut admits = |kind, user, plan| audience.admits(&event(kind, user, plan));
        assert!(admits(EventKind::Added, other, mine));
        assert!(!admits(EventKind::Added, other, theirs));
        assert!(admits(EventKind::Added, me, theirs), "their own new link");
        assert!(
            admits(EventKind::Updated, other, theirs),
            "theirs from then on"
        );
        assert!(admits(EventKind::Removed, me, mine), "their own removal");
        assert!(
            !admits(EventKind::Removed, other, mine),
            "after it, nothing of mine"
        );
        assert!(admits(EventKind::Removed, other, theirs));
    }
}
