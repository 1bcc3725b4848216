use async_graphql::{Context, Enum, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use uuid::Uuid;

use super::types::MembershipRole;
use super::{db, events, viewer};
use crate::service::audience::Audience;
use crate::service::events as service;
use crate::service::history::{self, Recorded};

/// What happened to a membership.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::service::events::EventKind")]
pub enum MembershipEventKind {
    Added,
    Updated,
    Removed,
}

/// One committed change to a membership, made by any server instance sharing the database.
pub struct MembershipEvent(pub(crate) Recorded);

#[Object]
impl MembershipEvent {
    async fn kind(&self) -> MembershipEventKind {
        self.0.event.kind.into()
    }

    async fn user_id(&self) -> Uuid {
        self.0.event.user_id
    }

    async fn plan_id(&self) -> Uuid {
        self.0.event.plan_id
    }

    /// The role after the change; null when the link was removed.
    async fn role(&self) -> Option<MembershipRole> {
        self.0.event.role.map(Into::into)
    }

    /// When the change was made.
    async fn at(&self) -> DateTime<Utc> {
        self.0.event.at
    }

    /// Who made the change: the signed-in user; null for the service token and a server
    /// without sign-in.
    async fn actor_id(&self) -> Option<Uuid> {
        self.0.event.actor
    }

    /// Where the event stands in the history: pass it as `membershipChanged`'s `after`
    /// to resume right after it (on any instance), or as `membershipHistory`'s `after` or
    /// `before`.
    async fn cursor(&self) -> String {
        history::cursor(self.0.key)
    }
}

pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every link change, from any server instance sharing the database, once its
    /// transaction has committed, in the history's order; for a signed-in user, the changes
    /// of the plans they are a member of when the change happens (their own link's ADDED
    /// and REMOVED included). `userId` and `planId` keep only the changes of that user or
    /// plan (both: of that link). With `after` (an event's `cursor`), it first replays every
    /// later event still in the history, then goes on live, with no gap and no repeat; a
    /// cursor older than the retention period is refused with BAD_USER_INPUT
    /// (`extensions.reason: "cursor_expired"`): reload what you display, and subscribe
    /// without it. A subscriber that falls behind is not closed: it catches up from the
    /// history.
    async fn membership_changed(
        &self,
        ctx: &Context<'_>,
        user_id: Option<Uuid>,
        plan_id: Option<Uuid>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<MembershipEvent>> + use<>> {
        let wanted = move |event: &service::MembershipEvent| {
            user_id.is_none_or(|id| id == event.user_id)
                && plan_id.is_none_or(|id| id == event.plan_id)
        };
        let (db, events) = (db(ctx)?, events(ctx)?);
        let after = events
            .retention()
            .kept(db, "after", after.as_deref())
            .await?;
        // Joined before the audience is read, which is then taken as of where it starts.
        let follower = events.follow(after)?;
        let audience = Audience::of(db, viewer(ctx)?, follower.position()).await?;
        let open = crate::metrics::OpenSubscription::new();
        let events = futures_util::stream::unfold(
            Some((follower, audience, open)),
            move |state| async move {
                let (mut follower, mut audience, open) = state?;
                loop {
                    match follower.next().await? {
                        // The audience sees every event, to keep the viewer's plans current.
                        Ok(recorded)
                            if audience.admits(&recorded.event) && wanted(&recorded.event) =>
                        {
                            return Some((
                                Ok(MembershipEvent(recorded)),
                                Some((follower, audience, open)),
                            ));
                        }
                        Ok(_) => continue,
                        Err(err) => return Some((Err(err.into()), None)),
                    }
                }
            },
        );
        Ok(events)
    }
}
