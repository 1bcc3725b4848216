use async_graphql::{Context, Enum, ErrorExtensions, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::types::MembershipRole;
use super::{db, events, viewer};
use crate::error::ErrorCode;
use crate::service::audience::Audience;
use crate::service::events as service;

/// What happened to a membership.
#[derive(Enum, Copy, Clone, Debug, Eq, PartialEq)]
#[graphql(remote = "crate::service::events::EventKind")]
pub enum MembershipEventKind {
    Added,
    Updated,
    Removed,
}

/// One committed change to a membership, made by any server instance sharing the database.
pub struct MembershipEvent(service::MembershipEvent);

#[Object]
impl MembershipEvent {
    async fn kind(&self) -> MembershipEventKind {
        self.0.kind.into()
    }

    async fn user_id(&self) -> Uuid {
        self.0.user_id
    }

    async fn plan_id(&self) -> Uuid {
        self.0.plan_id
    }

    /// The role after the change; null when the link was removed.
    async fn role(&self) -> Option<MembershipRole> {
        self.0.role.map(Into::into)
    }

    /// When the change was made.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// Who made the change: the signed-in user; null for the service token and a server
    /// without sign-in.
    async fn actor_id(&self) -> Option<Uuid> {
        self.0.actor
    }
}

pub struct SubscriptionRoot;

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// Every link change, from any server instance sharing the database, once its
    /// transaction has committed; for a signed-in user, the changes of the plans they are a
    /// member of when the change happens (their own link's ADDED and REMOVED included). `userId` and `planId` keep only the changes of that user
    /// or plan (both: of that link). A subscriber that falls more than 16,384 events behind
    /// gets an error and the subscription ends: resubscribe and reload.
    async fn membership_changed(
        &self,
        ctx: &Context<'_>,
        user_id: Option<Uuid>,
        plan_id: Option<Uuid>,
    ) -> Result<impl Stream<Item = Result<MembershipEvent>> + use<>> {
        let wanted = move |event: &service::MembershipEvent| {
            user_id.is_none_or(|id| id == event.user_id)
                && plan_id.is_none_or(|id| id == event.plan_id)
        };
        let (receiver, shutdown) = events(ctx)?.subscribe();
        let audience = Audience::of(db(ctx)?, viewer(ctx)?).await?;
        let open = crate::metrics::OpenSubscription::new();
        let events = futures_util::stream::unfold(
            Some((receiver, shutdown, audience, open)),
            move |state| async move {
                let (mut receiver, mut shutdown, mut audience, open) = state?;
                loop {
                    let received = tokio::select! {
                        // The server is shutting down: end the stream, so the client is told
                        // the subscription is complete.
                        _ = shutdown.wait_for(|closed| *closed) => return None,
                        received = receiver.recv() => received,
                    };
                    match received {
                        // The audience sees every event, to keep the viewer's plans current.
                        Ok(event) if audience.admits(&event) && wanted(&event) => {
                            return Some((
                                Ok(MembershipEvent(event)),
                                Some((receiver, shutdown, audience, open)),
                            ));
                        }
                        Ok(_) => continue,
                        Err(RecvError::Lagged(missed)) => {
                            let error = async_graphql::Error::new(format!(
                                "this subscription fell {missed} events behind and was closed; \
                             subscribe again and reload what you display"
                            ))
                            .extend_with(|_, ext| ext.set("code", ErrorCode::ServiceUnavailable));
                            return Some((Err(error), None));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                }
            },
        );
        Ok(events)
    }
}
