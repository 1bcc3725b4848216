//! A model check of the membership mutations: random sequences of them run against the real
//! server and against a plain in-memory model (the memberships as a map, the existing users and
//! plans as sets), which must agree after every step on what the call answered (the
//! added/removed/unchanged ids, or the error code and, for NOT_FOUND, the unknown ids) and
//! on what the database holds.
//!
//! One server per database for the whole run; each proptest case starts from empty tables.
//! `PROPTEST_CASES` and `PROPTEST_RNG_SEED` override the number of cases and the seed.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use sea_orm::ConnectionTrait;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::helpers::*;
use crate::on_both_databases;

const CASES: u32 = 24;
const MAX_STEPS: usize = 30;
const ROLES: [&str; 3] = ["OWNER", "ADMIN", "MEMBER"];
const DEFAULT_ROLE: &str = "MEMBER";

/// The owner's side of a membership mutation (or the kind of row a create/delete is about).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    User,
    Plan,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::User => Side::Plan,
            Side::Plan => Side::User,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Side::User => "User",
            Side::Plan => "Plan",
        }
    }
}

/// An id as generated: one of the ids created so far in the case (deleted ones included,
/// which then name no row), or one of a few ids that never existed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ref {
    Known(usize),
    Unknown(usize),
}

/// The pair of a join-resource call: usually an existing membership (the i-th, when there is one),
/// or any two ids.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pair {
    Existing(usize),
    Ids(Ref, Ref),
}

/// The expected set sent with set*: the current one (reversed, a duplicate added, when
/// `scrambled`), or some list that may or may not be the current set.
#[derive(Clone, Debug)]
pub(crate) enum Expect {
    Current { scrambled: bool },
    Given(Vec<Ref>),
}

/// A generated operation.
#[derive(Clone, Debug)]
pub(crate) enum Op {
    Add {
        side: Side,
        owner: Ref,
        others: Vec<Ref>,
        role: Option<&'static str>,
    },
    Remove {
        side: Side,
        owner: Ref,
        others: Vec<Ref>,
    },
    Set {
        side: Side,
        owner: Ref,
        others: Vec<Ref>,
        role: Option<&'static str>,
        expected: Option<Expect>,
    },
    CreateUserPlan {
        pair: Pair,
        role: Option<&'static str>,
    },
    UpdateUserPlan {
        pair: Pair,
        role: &'static str,
    },
    DeleteUserPlan {
        pair: Pair,
    },
    Delete {
        kind: Side,
        id: Ref,
    },
    Create {
        kind: Side,
    },
}

/// An operation with its ids resolved: what is sent to the server.
#[derive(Clone, Debug)]
pub(crate) enum Call {
    Add {
        side: Side,
        owner: Uuid,
        others: Vec<Uuid>,
        role: Option<&'static str>,
    },
    Remove {
        side: Side,
        owner: Uuid,
        others: Vec<Uuid>,
    },
    Set {
        side: Side,
        owner: Uuid,
        others: Vec<Uuid>,
        role: Option<&'static str>,
        expected: Option<Vec<Uuid>>,
    },
    CreateUserPlan {
        user: Uuid,
        plan: Uuid,
        role: Option<&'static str>,
    },
    UpdateUserPlan {
        user: Uuid,
        plan: Uuid,
        role: &'static str,
    },
    DeleteUserPlan {
        user: Uuid,
        plan: Uuid,
    },
    Delete {
        kind: Side,
        id: Uuid,
    },
    Create {
        kind: Side,
        label: String,
    },
}

/// What a call answered, in a form the model can predict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// An add*/remove*/set* payload, lists as the server sent them (the model's are sorted),
    /// with the owner's id and membership count as the payload read them after the write.
    Changes {
        added: Vec<Uuid>,
        removed: Vec<Uuid>,
        unchanged: Vec<Uuid>,
        owner: Uuid,
        count: i64,
    },
    /// createUserPlan / updateUserPlan / deleteUserPlan: the row.
    Membership {
        user: Uuid,
        plan: Uuid,
        role: String,
    },
    Deleted(Uuid),
    Created,
    /// NOT_FOUND with `extensions.ids`, compared as a sorted list.
    NotFound(Vec<Uuid>),
    Conflict,
    /// Anything else: never acceptable.
    Unexpected(String),
}

fn role() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(&ROLES[..])
}

fn maybe_role() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![Just(None), role().prop_map(Some)]
}

fn id_ref() -> impl Strategy<Value = Ref> {
    prop_oneof![
        16 => (0..8usize).prop_map(Ref::Known),
        1 => (0..2usize).prop_map(Ref::Unknown),
    ]
}

/// Lists of ids: empty ones and duplicates included.
fn id_list() -> impl Strategy<Value = Vec<Ref>> {
    proptest::collection::vec(id_ref(), 0..5)
}

fn pair_ref() -> impl Strategy<Value = Pair> {
    prop_oneof![
        (0..16usize).prop_map(Pair::Existing),
        (id_ref(), id_ref()).prop_map(|(user, plan)| Pair::Ids(user, plan)),
    ]
}

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::User), Just(Side::Plan)]
}

fn expectation() -> impl Strategy<Value = Option<Expect>> {
    prop_oneof![
        2 => Just(None),
        2 => any::<bool>().prop_map(|scrambled| Some(Expect::Current { scrambled })),
        1 => proptest::collection::vec(id_ref(), 0..4).prop_map(|ids| Some(Expect::Given(ids))),
    ]
}

pub(crate) fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (side(), id_ref(), id_list(), maybe_role())
            .prop_map(|(side, owner, others, role)| Op::Add { side, owner, others, role }),
        3 => (side(), id_ref(), id_list())
            .prop_map(|(side, owner, others)| Op::Remove { side, owner, others }),
        4 => (side(), id_ref(), id_list(), maybe_role(), expectation()).prop_map(
            |(side, owner, others, role, expected)| Op::Set { side, owner, others, role, expected }
        ),
        2 => (pair_ref(), maybe_role()).prop_map(|(pair, role)| Op::CreateUserPlan { pair, role }),
        2 => (pair_ref(), role()).prop_map(|(pair, role)| Op::UpdateUserPlan { pair, role }),
        2 => pair_ref().prop_map(|pair| Op::DeleteUserPlan { pair }),
        1 => (side(), id_ref()).prop_map(|(kind, id)| Op::Delete { kind, id }),
        1 => side().prop_map(|kind| Op::Create { kind }),
    ]
}

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

    fn live(&self, side: Side) -> &BTreeSet<Uuid> {
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

/// add*/remove*/set* from either side, the payload's fields aliased alike. `role` and
/// `expected` are `Some` for the calls that take the argument (its value may be absent).
fn membership_request(
    vars: &mut Map<String, Value>,
    action: &str,
    side: Side,
    owner: Uuid,
    others: &[Uuid],
    role: Option<Option<&str>>,
    expected: Option<&Option<Vec<Uuid>>>,
) -> String {
    let (owner_name, other_name) = (side.name(), side.other().name());
    let (owner_lower, other_lower) = (owner_name.to_lowercase(), other_name.to_lowercase());
    let field = match action {
        "add" => format!("add{other_name}sTo{owner_name}"),
        "remove" => format!("remove{other_name}sFrom{owner_name}"),
        _ => format!("set{owner_name}{other_name}s"),
    };
    vars.insert("o".into(), json!(owner));
    vars.insert("l".into(), json!(others));
    let (mut params, mut args) = (String::new(), String::new());
    if let Some(role) = role {
        params += ", $r: MembershipRole";
        args += ", role: $r";
        if let Some(role) = role {
            vars.insert("r".into(), json!(role));
        }
    }
    if let Some(expected) = expected {
        params += ", $e: [UUID!]";
        args += &format!(", expected{other_name}Ids: $e");
        if let Some(expected) = expected {
            vars.insert("e".into(), json!(expected));
        }
    }
    format!(
        "mutation($o: UUID!, $l: [UUID!]!{params}) {{ \
         r: {field}({owner_lower}Id: $o, {other_lower}Ids: $l{args}) {{ \
         added: added{other_name}Ids removed: removed{other_name}Ids \
         unchanged: unchanged{other_name}Ids \
         owner: {owner_lower} {{ id count: {other_lower}Count }} }} }}"
    )
}

/// The GraphQL request for a call; the root field is aliased `r`, the payload's fields
/// get the same names from either side.
pub(crate) fn request(call: &Call) -> (String, Value) {
    let mut vars = Map::new();
    let query = match call {
        Call::Add {
            side,
            owner,
            others,
            role,
        } => membership_request(&mut vars, "add", *side, *owner, others, Some(*role), None),
        Call::Remove {
            side,
            owner,
            others,
        } => membership_request(&mut vars, "remove", *side, *owner, others, None, None),
        Call::Set {
            side,
            owner,
            others,
            role,
            expected,
        } => membership_request(
            &mut vars,
            "set",
            *side,
            *owner,
            others,
            Some(*role),
            Some(expected),
        ),
        Call::CreateUserPlan { user, plan, role } => {
            vars.insert("u".into(), json!(user));
            vars.insert("p".into(), json!(plan));
            if let Some(role) = role {
                vars.insert("r".into(), json!(role));
            }
            "mutation($u: UUID!, $p: UUID!, $r: MembershipRole) { \
             r: createUserPlan(input: { userId: $u, planId: $p, role: $r }) { \
             userId planId role } }"
                .to_owned()
        }
        Call::UpdateUserPlan { user, plan, role } => {
            vars.insert("u".into(), json!(user));
            vars.insert("p".into(), json!(plan));
            vars.insert("r".into(), json!(role));
            "mutation($u: UUID!, $p: UUID!, $r: MembershipRole!) { \
             r: updateUserPlan(userId: $u, planId: $p, role: $r) { userId planId role } }"
                .to_owned()
        }
        Call::DeleteUserPlan { user, plan } => {
            vars.insert("u".into(), json!(user));
            vars.insert("p".into(), json!(plan));
            "mutation($u: UUID!, $p: UUID!) { \
             r: deleteUserPlan(userId: $u, planId: $p) { userId planId role } }"
                .to_owned()
        }
        Call::Delete { kind, id } => {
            vars.insert("id".into(), json!(id));
            format!(
                "mutation($id: UUID!) {{ r: delete{}(id: $id) }}",
                kind.name()
            )
        }
        Call::Create {
            kind: Side::User,
            label,
        } => {
            vars.insert(
                "input".into(),
                json!({ "email": format!("{label}@example.com"), "name": label }),
            );
            "mutation($input: CreateUserInput!) { r: createUser(input: $input) { id } }".to_owned()
        }
        Call::Create {
            kind: Side::Plan,
            label,
        } => {
            vars.insert("input".into(), json!({ "name": label }));
            "mutation($input: CreatePlanInput!) { r: createPlan(input: $input) { id } }".to_owned()
        }
    };
    (query, Value::Object(vars))
}

fn id_list_of(value: &Value) -> Option<Vec<Uuid>> {
    value
        .as_array()?
        .iter()
        .map(|id| id.as_str()?.parse().ok())
        .collect()
}

/// What the server answered, as an [`Outcome`].
pub(crate) fn observe(call: &Call, response: &Value) -> Outcome {
    if let Some(error) = response.get("errors").and_then(|errors| errors.get(0)) {
        return match error["extensions"]["code"].as_str() {
            Some("NOT_FOUND") => match id_list_of(&error["extensions"]["ids"]) {
                Some(mut ids) => {
                    ids.sort();
                    Outcome::NotFound(ids)
                }
                None => Outcome::Unexpected(format!("NOT_FOUND without extensions.ids: {error}")),
            },
            Some("CONFLICT") => Outcome::Conflict,
            _ => Outcome::Unexpected(error.to_string()),
        };
    }
    let r = &response["data"]["r"];
    let parsed = match call {
        Call::Add { .. } | Call::Remove { .. } | Call::Set { .. } => (|| {
            Some(Outcome::Changes {
                added: id_list_of(&r["added"])?,
                removed: id_list_of(&r["removed"])?,
                unchanged: id_list_of(&r["unchanged"])?,
                owner: r["owner"]["id"].as_str()?.parse().ok()?,
                count: r["owner"]["count"].as_i64()?,
            })
        })(),
        Call::CreateUserPlan { .. } | Call::UpdateUserPlan { .. } | Call::DeleteUserPlan { .. } => {
            (|| {
                Some(Outcome::Membership {
                    user: r["userId"].as_str()?.parse().ok()?,
                    plan: r["planId"].as_str()?.parse().ok()?,
                    role: r["role"].as_str()?.to_owned(),
                })
            })()
        }
        Call::Delete { .. } => r
            .as_str()
            .and_then(|id| id.parse().ok())
            .map(Outcome::Deleted),
        Call::Create { .. } => r["id"]
            .as_str()
            .and_then(|id| id.parse::<Uuid>().ok())
            .map(|_| Outcome::Created),
    };
    parsed.unwrap_or_else(|| Outcome::Unexpected(format!("malformed response: {response}")))
}

/// Creates users and plans until `n` of each exist, and tells the model.
pub(crate) async fn create_users_and_plans(app: &TestApp, model: &mut Model, n: usize) {
    let fixture = app
        .fixture()
        .users(n.saturating_sub(model.users.len()))
        .plans(n.saturating_sub(model.plans.len()))
        .build()
        .await;
    model.created_users.extend(&fixture.users);
    model.users.extend(fixture.users);
    model.created_plans.extend(&fixture.plans);
    model.plans.extend(fixture.plans);
}

/// Empties the tables: each case starts from nothing.
async fn reset(app: &TestApp) {
    for table in ["user_plans", "users", "plans"] {
        app.db
            .execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .expect("reset");
    }
}

async fn run_case(app: &TestApp, ops: Vec<Op>) -> Result<(), TestCaseError> {
    reset(app).await;
    let mut model = Model {
        unknown_users: vec![Uuid::new_v4(), Uuid::new_v4()],
        unknown_plans: vec![Uuid::new_v4(), Uuid::new_v4()],
        ..Model::default()
    };
    create_users_and_plans(app, &mut model, 3).await;
    for (step, op) in ops.iter().enumerate() {
        let call = model.call(op);
        let (accepted, next) = model.predict(&call);
        let (query, variables) = request(&call);
        let response = app.post(&query, variables).await;
        let observed = observe(&call, &response);
        if !accepted.contains(&observed) {
            return Err(TestCaseError::fail(format!(
                "step {step}: {call:?}\
                 \n  the model expects one of {accepted:?}\
                 \n  the server answered {observed:?}\
                 \n  full response: {response}\
                 \n  memberships before: {:?}",
                model.expected_memberships()
            )));
        }
        model = if matches!(observed, Outcome::NotFound(_) | Outcome::Conflict) {
            // A refused call changes nothing (checked against the database below).
            model
        } else {
            next
        };
        if let Call::Create { kind, .. } = call {
            let id: Uuid = response["data"]["r"]["id"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            match kind {
                Side::User => model.created_users.push(id),
                Side::Plan => model.created_plans.push(id),
            }
            model.live_mut(kind).insert(id);
        }
        let mut memberships = app.memberships().await;
        memberships.sort();
        let expected = model.expected_memberships();
        if memberships != expected {
            return Err(TestCaseError::fail(format!(
                "step {step}: after {call:?} (answered {observed:?})\
                 \n  the database holds {memberships:?}\
                 \n  the model holds    {expected:?}"
            )));
        }
        for side in [Side::User, Side::Plan] {
            let table = if side == Side::User { "users" } else { "plans" };
            let ids = sorted(app.ids(table).await);
            let expected: Vec<Uuid> = model.live(side).iter().copied().collect();
            if ids != expected {
                return Err(TestCaseError::fail(format!(
                    "step {step}: after {call:?}: {table} \
                     in the database {ids:?}, in the model {expected:?}"
                )));
            }
        }
    }
    Ok(())
}

pub(crate) fn config() -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(CASES);
    Config {
        cases,
        // No regression files in the source tree.
        failure_persistence: None,
        // Shrinking replays whole cases over HTTP: keep a failing run bounded.
        max_shrink_iters: 300,
        max_shrink_time: 60_000,
        ..Config::default()
    }
}

on_both_databases!(membership_mutations_agree_with_the_model);
async fn membership_mutations_agree_with_the_model(app: TestApp) {
    run_cases(
        config(),
        proptest::collection::vec(op(), 5..=MAX_STEPS),
        async |ops| run_case(&app, ops).await,
    );
}

on_both_databases!(an_id_unknown_on_both_sides_is_listed_once);
async fn an_id_unknown_on_both_sides_is_listed_once(app: TestApp) {
    // The same unknown id as the owner and in the list: one unknown id, listed once.
    let unknown = Uuid::new_v4();
    for (query, what) in [
        (
            "mutation($o: UUID!, $l: [UUID!]!) { \
             addPlansToUser(userId: $o, planIds: $l) { addedPlanIds } }",
            "addPlansToUser",
        ),
        (
            "mutation($o: UUID!, $l: [UUID!]!) { \
             setPlanUsers(planId: $o, userIds: $l) { addedUserIds } }",
            "setPlanUsers",
        ),
        (
            "mutation($o: UUID!, $l: UUID!) { \
             createUserPlan(input: { userId: $o, planId: $l }) { role } }",
            "createUserPlan",
        ),
    ] {
        let list = if what == "createUserPlan" {
            json!(unknown)
        } else {
            json!([unknown])
        };
        let error = app.error(query, json!({ "o": unknown, "l": list })).await;
        assert_eq!(error["extensions"]["code"], "NOT_FOUND", "{what}: {error}");
        assert_eq!(
            error["extensions"]["ids"],
            json!([unknown]),
            "{what}: {error}"
        );
    }
}
