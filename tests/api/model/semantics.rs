//! The contract's semantics of the membership mutations, written out plainly: what a call
//! must answer and what the tables hold after it.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::operations::*;
use crate::helpers::*;

const DEFAULT_ROLE: &str = "MEMBER";

/// The model: the contract's semantics written out plainly.
#[derive(Clone, Debug, Default)]
pub(crate) struct Model {
    /// Every id created in this case, in creation order (what `Ref::Known` indexes).
    pub(crate) created_users: Vec<Uuid>,
    pub(crate) created_plans: Vec<Uuid>,
    /// The ones that exist now.
    pub(crate) users: BTreeSet<Uuid>,
    pub(crate) plans: BTreeSet<Uuid>,
    /// (user, plan) → role.
    pub(crate) memberships: BTreeMap<(Uuid, Uuid), &'static str>,
    /// Ids that never name a row, a few per side (an id unknown on both sides at once is
    /// `an_id_unknown_on_both_sides_is_listed_once`'s business).
    pub(crate) unknown_users: Vec<Uuid>,
    pub(crate) unknown_plans: Vec<Uuid>,
}

fn pair(side: Side, owner: Uuid, other: Uuid) -> (Uuid, Uuid) {
    match side {
        Side::User => (owner, other),
        Side::Plan => (other, owner),
    }
}

impl Model {
    fn created(&self, side: Side) -> &Vec<Uuid> {
        match side {
            Side::User => &self.created_users,
            Side::Plan => &self.created_plans,
        }
    }

    pub(crate) fn live(&self, side: Side) -> &BTreeSet<Uuid> {
        match side {
            Side::User => &self.users,
            Side::Plan => &self.plans,
        }
    }

    pub(crate) fn live_mut(&mut self, side: Side) -> &mut BTreeSet<Uuid> {
        match side {
            Side::User => &mut self.users,
            Side::Plan => &mut self.plans,
        }
    }

    fn resolve(&self, side: Side, id: Ref) -> Uuid {
        match id {
            Ref::Known(index) => {
                let created = self.created(side);
                created[index % created.len()]
            }
            Ref::Unknown(index) => {
                let unknown = match side {
                    Side::User => &self.unknown_users,
                    Side::Plan => &self.unknown_plans,
                };
                unknown[index % unknown.len()]
            }
        }
    }

    fn resolve_all(&self, side: Side, ids: &[Ref]) -> Vec<Uuid> {
        ids.iter().map(|&id| self.resolve(side, id)).collect()
    }

    fn resolve_pair(&self, pair: Pair) -> (Uuid, Uuid) {
        match pair {
            Pair::Existing(index) if !self.memberships.is_empty() => *self
                .memberships
                .keys()
                .nth(index % self.memberships.len())
                .unwrap(),
            Pair::Existing(index) => (
                self.resolve(Side::User, Ref::Known(index)),
                self.resolve(Side::Plan, Ref::Known(index)),
            ),
            Pair::Ids(user, plan) => (
                self.resolve(Side::User, user),
                self.resolve(Side::Plan, plan),
            ),
        }
    }

    /// The ids at the other end of `owner`'s memberships.
    fn memberships_of(&self, side: Side, owner: Uuid) -> BTreeSet<Uuid> {
        self.memberships
            .keys()
            .filter_map(|&(user, plan)| match side {
                Side::User => (user == owner).then_some(plan),
                Side::Plan => (plan == owner).then_some(user),
            })
            .collect()
    }

    /// The owner (if it names no row) and the listed ids that name no row, sorted.
    fn unknown_among(&self, side: Side, owner: Uuid, others: &BTreeSet<Uuid>) -> Vec<Uuid> {
        let mut unknown: BTreeSet<Uuid> = others
            .iter()
            .filter(|id| !self.live(side.other()).contains(id))
            .copied()
            .collect();
        if !self.live(side).contains(&owner) {
            unknown.insert(owner);
        }
        unknown.into_iter().collect()
    }

    pub(crate) fn call(&self, op: &Op) -> Call {
        match op {
            Op::Add {
                side,
                owner,
                others,
                role,
            } => Call::Add {
                side: *side,
                owner: self.resolve(*side, *owner),
                others: self.resolve_all(side.other(), others),
                role: *role,
            },
            Op::Remove {
                side,
                owner,
                others,
            } => Call::Remove {
                side: *side,
                owner: self.resolve(*side, *owner),
                others: self.resolve_all(side.other(), others),
            },
            Op::Set {
                side,
                owner,
                others,
                role,
                expected,
            } => {
                let owner = self.resolve(*side, *owner);
                let expected = expected.as_ref().map(|expected| match expected {
                    Expect::Current { scrambled } => {
                        let mut current: Vec<Uuid> =
                            self.memberships_of(*side, owner).into_iter().collect();
                        if *scrambled {
                            current.reverse();
                            if let Some(&first) = current.first() {
                                current.push(first);
                            }
                        }
                        current
                    }
                    Expect::Given(ids) => self.resolve_all(side.other(), ids),
                });
                Call::Set {
                    side: *side,
                    owner,
                    others: self.resolve_all(side.other(), others),
                    role: *role,
                    expected,
                }
            }
            Op::CreateUserPlan { pair, role } => {
                let (user, plan) = self.resolve_pair(*pair);
                Call::CreateUserPlan {
                    user,
                    plan,
                    role: *role,
                }
            }
            Op::UpdateUserPlan { pair, role } => {
                let (user, plan) = self.resolve_pair(*pair);
                Call::UpdateUserPlan { user, plan, role }
            }
            Op::DeleteUserPlan { pair } => {
                let (user, plan) = self.resolve_pair(*pair);
                Call::DeleteUserPlan { user, plan }
            }
            Op::Delete { kind, id } => Call::Delete {
                kind: *kind,
                id: self.resolve(*kind, *id),
            },
            Op::Create { kind } => Call::Create {
                kind: *kind,
                label: Uuid::new_v4().simple().to_string(),
            },
        }
    }

    /// The outcomes the contract allows for `call` (one, except where it leaves the order of
    /// two checks open), and the state after it if it succeeds. Failures change nothing.
    pub(crate) fn predict(&self, call: &Call) -> (Vec<Outcome>, Model) {
        let mut next = self.clone();
        let outcomes = match call {
            Call::Add {
                side,
                owner,
                others,
                role,
            } => {
                let (side, owner) = (*side, *owner);
                let given: BTreeSet<Uuid> = others.iter().copied().collect();
                let unknown = self.unknown_among(side, owner, &given);
                if !unknown.is_empty() {
                    vec![Outcome::NotFound(unknown)]
                } else {
                    let current = self.memberships_of(side, owner);
                    let added: Vec<Uuid> = given.difference(&current).copied().collect();
                    for &other in &added {
                        next.memberships
                            .insert(pair(side, owner, other), role.unwrap_or(DEFAULT_ROLE));
                    }
                    vec![Outcome::Changes {
                        unchanged: given.intersection(&current).copied().collect(),
                        added,
                        removed: vec![],
                        owner,
                        count: next.memberships_of(side, owner).len() as i64,
                    }]
                }
            }
            Call::Remove {
                side,
                owner,
                others,
            } => {
                let (side, owner) = (*side, *owner);
                let given: BTreeSet<Uuid> = others.iter().copied().collect();
                if !self.live(side).contains(&owner) {
                    // Only the owner must exist: listed ids that name no row are "not members".
                    vec![Outcome::NotFound(vec![owner])]
                } else {
                    let current = self.memberships_of(side, owner);
                    let removed: Vec<Uuid> = given.intersection(&current).copied().collect();
                    for &other in &removed {
                        next.memberships.remove(&pair(side, owner, other));
                    }
                    vec![Outcome::Changes {
                        added: vec![],
                        unchanged: given.difference(&current).copied().collect(),
                        removed,
                        owner,
                        count: next.memberships_of(side, owner).len() as i64,
                    }]
                }
            }
            Call::Set {
                side,
                owner,
                others,
                role,
                expected,
            } => {
                let (side, owner) = (*side, *owner);
                let given: BTreeSet<Uuid> = others.iter().copied().collect();
                let unknown = self.unknown_among(side, owner, &given);
                let current = self.memberships_of(side, owner);
                let stale = expected.as_ref().is_some_and(|expected| {
                    expected.iter().copied().collect::<BTreeSet<Uuid>>() != current
                });
                match (unknown.is_empty(), stale) {
                    // Both reasons to refuse: the contract does not say which check comes
                    // first, so either answer is right (and nothing changes either way).
                    (false, true) => vec![Outcome::NotFound(unknown), Outcome::Conflict],
                    (false, false) => vec![Outcome::NotFound(unknown)],
                    (true, true) => vec![Outcome::Conflict],
                    (true, false) => {
                        let added: Vec<Uuid> = given.difference(&current).copied().collect();
                        let removed: Vec<Uuid> = current.difference(&given).copied().collect();
                        for &other in &removed {
                            next.memberships.remove(&pair(side, owner, other));
                        }
                        for &other in &added {
                            next.memberships
                                .insert(pair(side, owner, other), role.unwrap_or(DEFAULT_ROLE));
                        }
                        vec![Outcome::Changes {
                            unchanged: given.intersection(&current).copied().collect(),
                            added,
                            removed,
                            owner,
                            count: next.memberships_of(side, owner).len() as i64,
                        }]
                    }
                }
            }
            Call::CreateUserPlan { user, plan, role } => {
                let unknown = self.unknown_among(Side::User, *user, &BTreeSet::from([*plan]));
                if !unknown.is_empty() {
                    vec![Outcome::NotFound(unknown)]
                } else if self.memberships.contains_key(&(*user, *plan)) {
                    vec![Outcome::Conflict]
                } else {
                    let role = role.unwrap_or(DEFAULT_ROLE);
                    next.memberships.insert((*user, *plan), role);
                    vec![Outcome::Membership {
                        user: *user,
                        plan: *plan,
                        role: role.to_owned(),
                    }]
                }
            }
            Call::UpdateUserPlan { user, plan, role } => {
                match self.memberships.get(&(*user, *plan)) {
                    None => self.membership_not_found(*user, *plan),
                    Some(_) => {
                        next.memberships.insert((*user, *plan), role);
                        vec![Outcome::Membership {
                            user: *user,
                            plan: *plan,
                            role: role.to_string(),
                        }]
                    }
                }
            }
            Call::DeleteUserPlan { user, plan } => match self.memberships.get(&(*user, *plan)) {
                None => self.membership_not_found(*user, *plan),
                Some(role) => {
                    next.memberships.remove(&(*user, *plan));
                    vec![Outcome::Membership {
                        user: *user,
                        plan: *plan,
                        role: role.to_string(),
                    }]
                }
            },
            Call::Delete { kind, id } => {
                if !self.live(*kind).contains(id) {
                    vec![Outcome::NotFound(vec![*id])]
                } else {
                    next.live_mut(*kind).remove(id);
                    next.memberships.retain(|&(user, plan), _| match kind {
                        Side::User => user != *id,
                        Side::Plan => plan != *id,
                    });
                    vec![Outcome::Deleted(*id)]
                }
            }
            // The id is the server's: the caller records it.
            Call::Create { .. } => vec![Outcome::Created],
        };
        (outcomes, next)
    }

    /// updateUserPlan / deleteUserPlan of a pair that is no membership: the existing tests
    /// expect both ids; listing only the ones that name no row (when some do) is as good.
    fn membership_not_found(&self, user: Uuid, plan: Uuid) -> Vec<Outcome> {
        let mut outcomes = vec![Outcome::NotFound(sorted([user, plan]))];
        let unknown = self.unknown_among(Side::User, user, &BTreeSet::from([plan]));
        if !unknown.is_empty() && unknown.len() < 2 {
            outcomes.push(Outcome::NotFound(unknown));
        }
        outcomes
    }

    pub(crate) fn expected_memberships(&self) -> Vec<Membership> {
        self.memberships
            .iter()
            .map(|(&(user, plan), role)| Membership::new(user, plan, role))
            .collect()
    }
}
