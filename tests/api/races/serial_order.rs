//! Judging a round of concurrent calls: the search for a one-after-the-other order of them
//! that the model (the contract's semantics) says gives every answer and the tables after.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use tokio::time::Instant;
use uuid::Uuid;

use crate::model::{Call, Model, Outcome};

/// The search visits at most this many states; a serializable round needs far fewer.
const SEARCH_BUDGET: usize = 200_000;

/// A call of a round: what it answered, and when it was sent and answered.
pub(super) struct Answered {
    pub(super) call: Call,
    pub(super) outcome: Outcome,
    pub(super) sent: Instant,
    pub(super) answered: Instant,
}

/// The membership count in a payload is read after the write's commit, when concurrent calls
/// may already have changed it: no serial order can be asked to explain it.
pub(crate) fn comparable(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::Changes {
            added,
            removed,
            unchanged,
            owner,
            ..
        } => Outcome::Changes {
            added,
            removed,
            unchanged,
            owner,
            count: 0,
        },
        outcome => outcome,
    }
}

/// What the tables hold: the memberships with their roles, and the users and plans that exist.
pub(super) type State = (
    BTreeMap<(Uuid, Uuid), String>,
    BTreeSet<Uuid>,
    BTreeSet<Uuid>,
);

pub(super) fn state_of(model: &Model) -> State {
    let memberships = model
        .memberships
        .iter()
        .map(|(&pair, role)| (pair, role.to_string()))
        .collect();
    (memberships, model.users.clone(), model.plans.clone())
}

/// The model after `call` answered `observed`, if some state of the contract allows it.
fn step(model: &Model, call: &Call, observed: &Outcome) -> Option<Model> {
    let (accepted, next) = model.predict(call);
    let (accepted, next) = (
        accepted.into_iter().map(comparable).collect::<Vec<_>>(),
        next,
    );
    if !accepted.contains(observed) {
        return None;
    }
    // A refused call changes nothing.
    Some(match observed {
        Outcome::NotFound(_) | Outcome::Conflict => model.clone(),
        _ => next,
    })
}

/// A serial order of `calls` that starts from `start`, gives every call the outcome it was
/// observed to have, ends in `end`, and puts a call answered before another was sent
/// before it (the server answers a write after its commit, so a serializable server
/// also keeps that order); `None` if there is none.
///
/// Depth-first over the calls not yet placed. A call whose answer says it changed nothing
/// in any state (a refusal; an add, remove or set with nothing added or removed) is placed
/// as soon as it may: it could not make a later call fit where it did not. A call that
/// changes nothing only in some states (a role updated to the role it had) is not: in the
/// order that explains the round it may be the one that changes a role back. States
/// already found to lead nowhere are remembered.
fn serial_order(start: &Model, calls: &[Answered], end: &State) -> Option<Vec<usize>> {
    struct Search<'a> {
        calls: &'a [Answered],
        end: &'a State,
        dead: HashSet<(u64, State)>,
        order: Vec<usize>,
        visited: usize,
    }
    impl Search<'_> {
        /// Whether call `i` may come next: no call still to be placed was answered before
        /// it was sent.
        fn may_come_next(&self, i: usize, remaining: u64) -> bool {
            bits(remaining).all(|j| self.calls[j].answered >= self.calls[i].sent)
        }

        fn from(&mut self, model: &Model, mut remaining: u64) -> bool {
            self.visited += 1;
            if self.visited > SEARCH_BUDGET {
                return false;
            }
            let placed = self.order.len();
            let mut model = model.clone();
            let state = state_of(&model);
            let mut progress = true;
            while progress {
                progress = false;
                for i in bits(remaining) {
                    let Answered { call, outcome, .. } = &self.calls[i];
                    if !self.may_come_next(i, remaining) {
                        continue;
                    }
                    if changes_nothing(outcome)
                        && let Some(next) = step(&model, call, outcome)
                    {
                        remaining &= !(1 << i);
                        self.order.push(i);
                        model = next;
                        progress = true;
                    }
                }
            }
            if remaining == 0 && state == *self.end {
                return true;
            }
            let key = (remaining, state);
            if remaining != 0 && !self.dead.contains(&key) {
                for i in bits(remaining) {
                    let Answered { call, outcome, .. } = &self.calls[i];
                    if !self.may_come_next(i, remaining) {
                        continue;
                    }
                    if let Some(next) = step(&model, call, outcome) {
                        self.order.push(i);
                        if self.from(&next, remaining & !(1 << i)) {
                            return true;
                        }
                        self.order.pop();
                    }
                }
            }
            self.dead.insert(key);
            self.order.truncate(placed);
            false
        }
    }
    assert!(
        calls.len() <= 64,
        "a round's calls must fit the search's bit set"
    );
    let mut search = Search {
        calls,
        end,
        dead: HashSet::new(),
        order: Vec::new(),
        visited: 0,
    };
    let all = u64::MAX >> (64 - calls.len());
    let found = search.from(start, all);
    assert!(
        found || search.visited <= SEARCH_BUDGET,
        "the search for a serial order gave up after {SEARCH_BUDGET} states"
    );
    found.then_some(search.order)
}

/// Whether an answer says the call changed nothing, whatever the state it ran in.
fn changes_nothing(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::NotFound(_) | Outcome::Conflict => true,
        Outcome::Changes { added, removed, .. } => added.is_empty() && removed.is_empty(),
        _ => false,
    }
}

fn bits(set: u64) -> impl Iterator<Item = usize> {
    (0..64).filter(move |i| set & (1 << i) != 0)
}

/// Fails the test unless some serial order explains the round; returns the model after it.
pub(super) fn judge(round: usize, start: &Model, calls: &[Answered], end: &State) -> Model {
    for Answered { call, outcome, .. } in calls {
        assert!(
            !matches!(outcome, Outcome::Unexpected(_)),
            "round {round}: {call:?} answered {outcome:?}"
        );
    }
    let Some(order) = serial_order(start, calls, end) else {
        let first = calls.iter().map(|call| call.sent).min().expect("calls");
        let answers: Vec<String> = calls
            .iter()
            .map(|answered| {
                let (sent, done) = (answered.sent - first, answered.answered - first);
                let (call, outcome) = (&answered.call, &answered.outcome);
                format!("  {sent:?}..{done:?} {call:?}\n    -> {outcome:?}")
            })
            .collect();
        panic!(
            "round {round}: no serial order of the calls explains their answers and the \
             tables after them.\nstart: {:?}\nend: {end:?}\ncalls:\n{}",
            state_of(start),
            answers.join("\n")
        );
    };
    order.iter().fold(start.clone(), |model, &i| {
        step(&model, &calls[i].call, &calls[i].outcome).expect("the order found")
    })
}
