//! Who makes a call, for the model check with sign-in on: one of the model's users, one of
//! them as an administrator, or the service, and what AUTH.md lets each of them do, in its
//! order: what they cannot see is NOT_FOUND (its ids are the matrix test's business, so a
//! signed-in caller's NOT_FOUND is compared without them), then FORBIDDEN, then CONFLICT
//! for a plan left without an OWNER, then the contract's own rules.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use uuid::Uuid;

use super::operations::*;
use super::semantics::Model;

/// A caller as generated: by position among the users created so far.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Actor {
    Service,
    User(usize),
    Admin(usize),
}

pub(crate) fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        1 => Just(Actor::Service),
        6 => (0..8usize).prop_map(Actor::User),
        1 => (0..8usize).prop_map(Actor::Admin),
    ]
}

/// A caller resolved against the model: a signed-in one is a live user (a deleted user's
/// token is the sign-in rules' business, so the service stands in for one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    Service,
    Signed { user: Uuid, admin: bool },
}

/// A change to one link: its role before and after (none: no link).
type Change = ((Uuid, Uuid), Option<&'static str>, Option<&'static str>);

impl Model {
    pub(crate) fn caller(&self, actor: Actor) -> Caller {
        let (index, admin) = match actor {
            Actor::Service => return Caller::Service,
            Actor::User(index) => (index, false),
            Actor::Admin(index) => (index, true),
        };
        let user = self.created_users[index % self.created_users.len()];
        match self.users.contains(&user) {
            true => Caller::Signed { user, admin },
            false => Caller::Service,
        }
    }

    fn role_of(&self, user: Uuid, plan: Uuid) -> Option<&'static str> {
        self.memberships.get(&(user, plan)).copied()
    }

    /// What the contract allows `call` to answer when `caller` makes it, and the state
    /// after it if it succeeds.
    pub(crate) fn predict_as(&self, caller: Caller, call: &Call) -> (Vec<Outcome>, Model) {
        let Caller::Signed { user: me, admin } = caller else {
            return self.predict(call);
        };
        let refused = |outcome| (vec![outcome], self.clone());
        let not_found = || refused(Outcome::NotFound(vec![]));
        let sees_plan =
            |plan: Uuid| self.plans.contains(&plan) && (admin || self.role_of(me, plan).is_some());
        let shares = |user: Uuid| {
            self.memberships
                .keys()
                .any(|&(u, p)| u == user && self.role_of(me, p).is_some())
        };
        let sees_user =
            |user: Uuid| self.users.contains(&user) && (admin || user == me || shares(user));
        let manages = |plan: Uuid| matches!(self.role_of(me, plan), Some("OWNER" | "ADMIN"));
        let named = |user: Uuid, managed: bool| {
            self.users.contains(&user) && (admin || managed || sees_user(user))
        };
        // A set from the user side acts within the plans the caller sees: the rest of that
        // user's links are as if the call had named them (and are left out of its answer).
        let mut hidden_links = BTreeSet::new();
        // Its guard, then, is about the links the caller sees.
        let mut stale = false;
        let call = match call {
            Call::Create {
                kind: Side::User, ..
            } if !admin => {
                return refused(Outcome::Forbidden);
            }
            Call::Create { .. } => return self.predict(call),
            Call::Delete { kind, id } => {
                let (kind, id) = (*kind, *id);
                match kind {
                    Side::User if !admin && id != me => {
                        return refused(match sees_user(id) {
                            true => Outcome::Forbidden,
                            false => Outcome::NotFound(vec![]),
                        });
                    }
                    Side::User => {
                        let orphaned = self.memberships.iter().any(|(&(user, plan), role)| {
                            user == id && *role == "OWNER" && self.owners(plan).len() == 1
                        });
                        if orphaned {
                            return refused(Outcome::Conflict);
                        }
                    }
                    Side::Plan if !sees_plan(id) => return not_found(),
                    Side::Plan if !admin && self.role_of(me, id) != Some("OWNER") => {
                        return refused(Outcome::Forbidden);
                    }
                    Side::Plan => {}
                }
                return self.normalized(call);
            }
            Call::Add {
                side,
                owner,
                others,
                ..
            }
            | Call::Set {
                side,
                owner,
                others,
                ..
            } => {
                let set = matches!(call, Call::Set { .. });
                let hidden = match side {
                    Side::User => {
                        let managed = others.iter().any(|&plan| manages(plan));
                        !named(*owner, managed) || others.iter().any(|&plan| !sees_plan(plan))
                    }
                    Side::Plan => {
                        !sees_plan(*owner) || others.iter().any(|&u| !named(u, manages(*owner)))
                    }
                };
                if hidden {
                    return not_found();
                }
                match call {
                    Call::Set {
                        side: Side::User,
                        owner,
                        others,
                        role,
                        expected,
                    } if set => {
                        hidden_links = self
                            .memberships
                            .keys()
                            .filter(|&&(user, plan)| user == *owner && !sees_plan(plan))
                            .map(|&(_, plan)| plan)
                            .collect();
                        let seen: BTreeSet<Uuid> = self
                            .memberships
                            .keys()
                            .filter(|&&(user, plan)| user == *owner && sees_plan(plan))
                            .map(|&(_, plan)| plan)
                            .collect();
                        stale = expected.as_ref().is_some_and(|expected| {
                            expected.iter().copied().collect::<BTreeSet<Uuid>>() != seen
                        });
                        let mut others = others.clone();
                        others.extend(&hidden_links);
                        Call::Set {
                            side: Side::User,
                            owner: *owner,
                            others,
                            role: *role,
                            expected: None,
                        }
                    }
                    _ => call.clone(),
                }
            }
            Call::Remove {
                side,
                owner,
                others,
            } => {
                let managed = others.iter().any(|&plan| manages(plan));
                match side {
                    Side::User if !named(*owner, managed) => return not_found(),
                    Side::Plan if !sees_plan(*owner) => return not_found(),
                    // Plans the caller cannot see are answered as ids that are no
                    // membership: unchanged.
                    Side::User => {
                        hidden_links = others.iter().copied().filter(|&p| !sees_plan(p)).collect();
                        Call::Remove {
                            side: Side::User,
                            owner: *owner,
                            others: others.iter().copied().filter(|p| sees_plan(*p)).collect(),
                        }
                    }
                    Side::Plan => call.clone(),
                }
            }
            Call::CreateUserPlan { user, plan, .. } => {
                if !sees_plan(*plan) || !named(*user, manages(*plan)) {
                    return not_found();
                }
                call.clone()
            }
            Call::UpdateUserPlan { user, plan, .. } | Call::DeleteUserPlan { user, plan } => {
                if !sees_plan(*plan) || self.role_of(*user, *plan).is_none() {
                    return not_found();
                }
                call.clone()
            }
        };
        // The links the call means to change, whatever its guard says.
        let changes = self.intended(&call);
        let may = |&((user, plan), from, to): &Change| {
            let owners_link = from == Some("OWNER") || to == Some("OWNER");
            admin
                || from == to
                || (to.is_none() && user == me)
                || self.role_of(me, plan) == Some("OWNER")
                || (self.role_of(me, plan) == Some("ADMIN") && !owners_link)
        };
        if !changes.iter().all(may) {
            return refused(Outcome::Forbidden);
        }
        let mut after: BTreeMap<(Uuid, Uuid), &'static str> = self.memberships.clone();
        for &(link, _, to) in &changes {
            match to {
                Some(role) => after.insert(link, role),
                None => after.remove(&link),
            };
        }
        let orphans = changes.iter().any(|&((_, plan), _, _)| {
            !self.owners(plan).is_empty()
                && !after
                    .iter()
                    .any(|(&(_, p), role)| p == plan && *role == "OWNER")
        });
        if orphans || stale {
            return refused(Outcome::Conflict);
        }
        let (outcomes, next) = self.normalized(&call);
        let outcomes = outcomes
            .into_iter()
            .map(|outcome| match outcome {
                Outcome::Changes {
                    added,
                    removed,
                    unchanged,
                    owner,
                    count,
                } => Outcome::Changes {
                    unchanged: {
                        let mut all: BTreeSet<Uuid> = unchanged.into_iter().collect();
                        all.retain(|id| !hidden_links.contains(id));
                        if matches!(call, Call::Remove { .. }) {
                            all.extend(&hidden_links);
                        }
                        all.into_iter().collect()
                    },
                    added,
                    removed,
                    owner,
                    count,
                },
                other => other,
            })
            .collect();
        (outcomes, next)
    }

    fn owners(&self, plan: Uuid) -> Vec<Uuid> {
        self.memberships
            .iter()
            .filter(|&(&(_, p), role)| p == plan && *role == "OWNER")
            .map(|(&(user, _), _)| user)
            .collect()
    }

    /// The links `call` would change if its guard held and its ids named rows, each with
    /// its role before and after.
    fn intended(&self, call: &Call) -> Vec<Change> {
        let unguarded = match call {
            Call::Set {
                side,
                owner,
                others,
                role,
                ..
            } => Call::Set {
                side: *side,
                owner: *owner,
                others: others.clone(),
                role: *role,
                expected: None,
            },
            // An existing link makes it a CONFLICT, after the permission to add it.
            Call::CreateUserPlan { user, plan, role } => {
                return vec![((*user, *plan), None, Some(role.unwrap_or("MEMBER")))];
            }
            other => other.clone(),
        };
        let (_, next) = self.predict(&unguarded);
        let links: BTreeSet<(Uuid, Uuid)> = self
            .memberships
            .keys()
            .chain(next.memberships.keys())
            .copied()
            .collect();
        let mut changes: Vec<Change> = links
            .into_iter()
            .map(|link| {
                (
                    link,
                    self.memberships.get(&link).copied(),
                    next.memberships.get(&link).copied(),
                )
            })
            .filter(|(_, from, to)| from != to)
            .collect();
        if let Call::UpdateUserPlan { user, plan, role } = call {
            // The same role again changes nothing, and needs nothing.
            changes.retain(|(link, _, _)| *link != (*user, *plan));
            let from = self.role_of(*user, *plan);
            changes.push(((*user, *plan), from, Some(*role)));
        }
        changes
    }

    /// The contract's answer, as a signed-in caller's answer is compared: NOT_FOUND without
    /// its ids, and no membership count (what a count shows a viewer is the reads' rule).
    fn normalized(&self, call: &Call) -> (Vec<Outcome>, Model) {
        let (outcomes, next) = self.predict(call);
        (outcomes.into_iter().map(signed_view).collect(), next)
    }
}

/// An answer as compared for a signed-in caller (see [`Model::normalized`]).
pub(crate) fn signed_view(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::NotFound(_) => Outcome::NotFound(vec![]),
        other => crate::races::comparable(other),
    }
}
