//! What the model check generates: operations on ids by position, resolved against the
//! model into calls, and the outcomes a call can have.

use proptest::prelude::*;
use uuid::Uuid;

const ROLES: [&str; 3] = ["OWNER", "ADMIN", "MEMBER"];

/// The owner's side of a membership mutation (or the kind of row a create/delete is about).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    User,
    Plan,
}

impl Side {
    pub(crate) fn other(self) -> Side {
        match self {
            Side::User => Side::Plan,
            Side::Plan => Side::User,
        }
    }

    pub(crate) fn name(self) -> &'static str {
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
    /// A signed-in caller who may not make the change.
    Forbidden,
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
