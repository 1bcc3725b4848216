//! Level-by-level prefetch, so the statements a request runs are fixed by its shape.
//!
//! DataLoaders batch the loads that arrive within a short window; on a busy machine one
//! level's loads can straddle two windows and cost two statements. So every root field
//! walks its own selection (look-ahead) and loads each level below it for all parents at
//! once, one statement per nested field and argument set, feeding the results into the
//! request's DataLoader. The field resolvers then find their data in its cache; they still
//! load through the DataLoader whatever this walk does not cover.
//!
//! The walk reads with the loader's own visibility, so what it feeds is what the loader
//! itself would have loaded.

use std::collections::{BTreeSet, HashMap};

use async_graphql::futures_util::future::BoxFuture;
use async_graphql::{Context, InputType, Lookahead, Result, SelectionField};
use entity::{plan, user, user_plan};
use uuid::Uuid;

use super::loaders::{
    self, HeldPlan, HeldUser, LinkedIdsOf, ListArgs, MembershipCount, MembershipsOf, PlanById,
    PlansOfUser, UserById, UsersOfPlan,
};
use super::types::MembershipRole;
use super::{db, loader};
use crate::service::keyset::{self, KeysetRow};
use crate::service::memberships::{self, Side};
use crate::service::rows::Row;
use crate::service::visibility::Visibility;

/// The GraphQL names of the fields this walk looks ahead for on one side's objects, which
/// must be the resolvers' names. async-graphql takes a field's name from its method or a
/// `#[graphql(name = "...")]` literal, never from a constant, so the resolvers cannot share
/// these: the test `every_name_is_a_field_of_the_schema` checks each against the schema.
struct Names {
    /// An object's id (`User.id`).
    id: &'static str,
    /// The other side's objects (`User.plans`).
    list: &'static str,
    /// Their number (`User.planCount`).
    count: &'static str,
    /// The join rows (`User.memberships`).
    memberships: &'static str,
    /// A join row's object of this side (`UserPlan.user`).
    from_membership: &'static str,
    /// A membership mutation's payload's object of this side (`UserLinksPayload.user`).
    from_payload: &'static str,
}

fn names(side: Side) -> &'static Names {
    match side {
        Side::User => &Names {
            id: "id",
            list: "plans",
            count: "planCount",
            memberships: "memberships",
            from_membership: "user",
            from_payload: "user",
        },
        Side::Plan => &Names {
            id: "id",
            list: "users",
            count: "userCount",
            memberships: "memberships",
            from_membership: "plan",
            from_payload: "plan",
        },
    }
}

/// The arguments of every nested list (`plans`, `users`, `memberships`): `first`, `role`.
const LIST_ARGUMENTS: [&str; 2] = ["first", "role"];

/// A connection's ways to its nodes: `nodes`, and `node` of each of its `edges`.
struct ConnectionNames {
    nodes: &'static str,
    edges: &'static str,
    node: &'static str,
}

const CONNECTION: ConnectionNames = ConnectionNames {
    nodes: "nodes",
    edges: "edges",
    node: "node",
};

/// What a connection field selects on its nodes, through `nodes` and `edges { node }`.
pub fn connection_nodes<'a>(ctx: &'a Context<'_>) -> Lookahead<'a> {
    let selection = ctx.look_ahead();
    let mut fields = selection.field(CONNECTION.nodes).selection_fields();
    fields.extend(
        selection
            .field(CONNECTION.edges)
            .field(CONNECTION.node)
            .selection_fields(),
    );
    Lookahead::try_from(&fields[..]).unwrap_or_else(|()| selection.field(CONNECTION.nodes))
}

/// The user or plan of a membership mutation's payload, and its nested fields.
pub async fn payload(ctx: &Context<'_>, side: Side, id: Uuid) -> Result<()> {
    let selection = ctx.look_ahead().field(names(side).from_payload);
    objects(ctx, side, vec![id], selection, Reached::Held).await
}

/// Users already loaded (their ids), and what the query selects on them.
pub async fn users(ctx: &Context<'_>, ids: Vec<Uuid>, selection: Lookahead<'_>) -> Result<()> {
    level(ctx, Side::User, ids, selection).await
}

/// Plans already loaded (their ids), and what the query selects on them.
pub async fn plans(ctx: &Context<'_>, ids: Vec<Uuid>, selection: Lookahead<'_>) -> Result<()> {
    level(ctx, Side::Plan, ids, selection).await
}

/// Memberships already loaded, and what the query selects on them (`user`, `plan`).
pub async fn memberships(
    ctx: &Context<'_>,
    rows: &[user_plan::Model],
    selection: Lookahead<'_>,
) -> Result<()> {
    for side in [Side::User, Side::Plan] {
        let end = selection.field(names(side).from_membership);
        if end.exists() {
            let ids: BTreeSet<Uuid> = rows
                .iter()
                .map(|row| match side {
                    Side::User => row.user_id,
                    Side::Plan => row.plan_id,
                })
                .collect();
            objects(ctx, side, ids.into_iter().collect(), end, Reached::Held).await?;
        }
    }
    Ok(())
}

/// One level of objects of `side` (their ids) and their selection: loads every nested
/// list and count below it, then recurses into the next level.
fn level<'a>(
    ctx: &'a Context<'_>,
    side: Side,
    ids: Vec<Uuid>,
    selection: Lookahead<'a>,
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        if ids.is_empty() || !selection.exists() {
            return Ok(());
        }
        let (db, loader) = (db(ctx)?, loader(ctx)?);
        let visibility = loaders::visibility(loader);
        let names = names(side);

        for (args, next, occurrences) in by_arguments(selection.field(names.list)) {
            let far = side.other();
            let only_ids = occurrences.iter().map(|field| only_ids(field, far));
            let asked = Asked {
                ids: only_ids.clone().any(|only| only),
                rows: !only_ids.into_iter().all(|only| only),
            };
            let children = match side {
                Side::User => {
                    far_level::<plan::Model, _>(ctx, side, &ids, args, asked, PlansOfUser).await?
                }
                Side::Plan => {
                    far_level::<user::Model, _>(ctx, side, &ids, args, asked, UsersOfPlan).await?
                }
            };
            level(ctx, far, children, next).await?;
        }

        for (args, next, _) in by_arguments(selection.field(names.memberships)) {
            let found = memberships::join_rows(db, args.walk(visibility, side, &ids)).await?;
            let rows: Vec<user_plan::Model> = found.values().flatten().cloned().collect();
            feed_per_parent(loader, &ids, found, |id| MembershipsOf(side, id, args)).await;
            memberships(ctx, &rows, next).await?;
        }

        if selection.field(names.count).exists() {
            let found = memberships::counts(db, visibility, side, &ids).await?;
            feed_per_parent(loader, &ids, found, |id| MembershipCount(side, id)).await;
        }
        Ok(())
    })
}

/// Users or plans by id that the viewer may see (`user(id)`, `plan(id)`), then their own
/// nested fields.
pub async fn by_ids(
    ctx: &Context<'_>,
    side: Side,
    ids: Vec<Uuid>,
    selection: Lookahead<'_>,
) -> Result<()> {
    objects(ctx, side, ids, selection, Reached::Seen).await
}

/// How the objects of [`objects`] were reached, which decides their loader key.
#[derive(Clone, Copy)]
enum Reached {
    /// By id from the query: only those the viewer sees (`UserById`, `PlanById`).
    Seen,
    /// Held by the response already: a payload's owner, the ends of links it shows
    /// (`HeldUser`, `HeldPlan`).
    Held,
}

async fn objects(
    ctx: &Context<'_>,
    side: Side,
    ids: Vec<Uuid>,
    selection: Lookahead<'_>,
    reached: Reached,
) -> Result<()> {
    if ids.is_empty() || !selection.exists() {
        return Ok(());
    }
    let (db, loader) = (db(ctx)?, loader(ctx)?);
    let visibility = match reached {
        Reached::Seen => loaders::visibility(loader),
        Reached::Held => Visibility::Everything,
    };
    match side {
        Side::User => {
            let rows = keyset::find_by_ids::<user::Model>(db, visibility, &ids).await?;
            match reached {
                Reached::Seen => feed(loader, rows, UserById).await,
                Reached::Held => feed(loader, rows, HeldUser).await,
            }
        }
        Side::Plan => {
            let rows = keyset::find_by_ids::<plan::Model>(db, visibility, &ids).await?;
            match reached {
                Reached::Seen => feed(loader, rows, PlanById).await,
                Reached::Held => feed(loader, rows, HeldPlan).await,
            }
        }
    }
    // The lists below an id the viewer may not see are read too, as those of an id that
    // does not exist are: both find no link the viewer sees, at the same statement count.
    level(ctx, side, ids, selection).await
}

/// Which loader keys the occurrences of one nested list ask for: the far rows (some
/// occurrence selects a field of them), their ids alone (some selects nothing else).
#[derive(Clone, Copy)]
struct Asked {
    rows: bool,
    ids: bool,
}

/// One nested list's level for all `parents`: its statement, read from the links alone
/// when no occurrence asks for more than ids, and fed under the keys asked for (rows
/// answer a key of ids too, so aliases with the same arguments still share one
/// statement). Returns the far ends' ids, the parents of the level below.
async fn far_level<M, R>(
    ctx: &Context<'_>,
    side: Side,
    parents: &[Uuid],
    args: ListArgs,
    asked: Asked,
    rows_key: fn(Uuid, ListArgs) -> R,
) -> Result<Vec<Uuid>>
where
    M: Row + KeysetRow + Clone + Send + Sync + 'static,
    R: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
    // The second bound holds anyway; rustc needs it named beside the generic one.
    loaders::SqlLoader: async_graphql::dataloader::Loader<R, Value = Vec<M>>
        + async_graphql::dataloader::Loader<LinkedIdsOf, Value = Vec<Uuid>>,
{
    let (db, loader) = (db(ctx)?, loader(ctx)?);
    let walk = args.walk(loaders::visibility(loader), side, parents);
    let ids_key = |id| LinkedIdsOf(side, id, args);
    if !asked.rows {
        let found = memberships::far_end_ids(db, walk).await?;
        let children = child_ids(found.values().flatten().copied());
        feed_per_parent(loader, parents, found, ids_key).await;
        return Ok(children);
    }
    let found = memberships::far_ends::<M>(db, walk).await?;
    let children = child_ids(found.values().flatten().map(KeysetRow::id));
    if asked.ids {
        let ids = (found.iter())
            .map(|(&parent, rows)| (parent, rows.iter().map(KeysetRow::id).collect()))
            .collect();
        feed_per_parent(loader, parents, ids, ids_key).await;
    }
    feed_per_parent(loader, parents, found, |id| rows_key(id, args)).await;
    Ok(children)
}

/// Feeds what a statement found for each parent under the parent's key; a parent it
/// found nothing for gets the empty value (no membership), not a second load.
async fn feed_per_parent<K, V>(
    loader: &loaders::RequestLoader,
    parents: &[Uuid],
    mut found: HashMap<Uuid, V>,
    key: impl Fn(Uuid) -> K,
) where
    K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
    V: Default + Send + Sync + Clone + 'static,
    loaders::SqlLoader: async_graphql::dataloader::Loader<K, Value = V>,
{
    let entries = (parents.iter()).map(|&id| (key(id), found.remove(&id).unwrap_or_default()));
    loader.feed_many(entries.collect::<Vec<_>>()).await;
}

/// Whether one occurrence of a list of `side`'s objects asks nothing of them but their
/// ids, `__typename` and the lists and counts below them: then it can be read from the
/// links alone.
fn only_ids(list: &SelectionField<'_>, side: Side) -> bool {
    let names = names(side);
    let from_the_links = [
        names.id,
        "__typename",
        names.list,
        names.count,
        names.memberships,
    ];
    list.selection_set()
        .all(|field| from_the_links.contains(&field.name()))
}

/// [`only_ids`] for every occurrence of a list field (a resolver's own `look_ahead`).
pub fn asks_only_ids(list: Lookahead<'_>, side: Side) -> bool {
    list.selection_fields()
        .iter()
        .all(|field| only_ids(field, side))
}

/// Feeds rows into the loader's cache, each under its key.
async fn feed<M, K>(loader: &loaders::RequestLoader, rows: Vec<M>, key: impl Fn(Uuid) -> K)
where
    M: KeysetRow + Clone + Send + Sync + 'static,
    K: Send + Sync + Clone + Eq + std::hash::Hash + 'static,
    loaders::SqlLoader: async_graphql::dataloader::Loader<K, Value = M>,
{
    let entries: Vec<_> = rows.into_iter().map(|row| (key(row.id()), row)).collect();
    loader.feed_many(entries).await;
}

/// The occurrences of one nested list field grouped by their arguments (aliases with the
/// same arguments share one statement), each group with its merged sub-selection.
/// Occurrences whose arguments are invalid are left to the resolver, which reports them.
fn by_arguments(field: Lookahead<'_>) -> Vec<(ListArgs, Lookahead<'_>, Vec<SelectionField<'_>>)> {
    let mut groups: HashMap<ListArgs, Vec<SelectionField<'_>>> = HashMap::new();
    for occurrence in field.selection_fields() {
        if let Some(args) = list_args(&occurrence) {
            groups.entry(args).or_default().push(occurrence);
        }
    }
    groups
        .into_iter()
        .filter_map(|(args, fields)| {
            let merged = Lookahead::try_from(&fields[..]).ok()?;
            Some((args, merged, fields))
        })
        .collect()
}

fn list_args(field: &SelectionField<'_>) -> Option<ListArgs> {
    let arguments = field.arguments().ok()?;
    let argument = |name: &str| {
        arguments
            .iter()
            .find(|(argument, _)| argument.as_str() == name)
            .map(|(_, value)| value.clone())
    };
    let [first, role] = LIST_ARGUMENTS;
    let first = <Option<i32>>::parse(argument(first)).ok()?;
    let role = <Option<MembershipRole>>::parse(argument(role)).ok()?;
    ListArgs::parse(first, role).ok()
}

fn child_ids(ids: impl Iterator<Item = Uuid>) -> Vec<Uuid> {
    ids.collect::<BTreeSet<_>>().into_iter().collect()
}

#[cfg(test)]
mod tests;
