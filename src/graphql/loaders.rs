//! DataLoaders for every nested field. One loader is created per request (so a mutation
//! never meets a stale cache), and each load batches all the parents of a GraphQL level
//! into one SQL statement per distinct set of field arguments. Every load reads only what
//! the request's viewer sees, filtered inside that statement (`service::visibility`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_graphql::dataloader::{CacheFactory, CacheStorage, DataLoader, Loader};
use entity::user_plan::Role;
use entity::{plan, user, user_plan};
use sea_orm::DatabaseConnection;
use tracing::Instrument;
use uuid::Uuid;

use crate::db::{SQL_STATS, SqlStats};
use crate::error::AppResult;
use crate::service::keyset::{self, KeysetRow};
use crate::service::memberships::{self, Side, Walk};
use crate::service::visibility::Visibility;

/// The arguments of a nested list field; part of every list key, so `plans(role: ADMIN)`
/// and `plans` in one request are loaded separately and both right.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListArgs {
    pub first: u64,
    pub role: Option<Role>,
}

impl ListArgs {
    /// The list of each of `parents` on `side` these arguments ask for, as `visibility`
    /// sees it.
    pub fn walk(self, visibility: Visibility, side: Side, parents: &[Uuid]) -> Walk<'_> {
        Walk {
            visibility,
            side,
            parents,
            first: self.first,
            role: self.role,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserById(pub Uuid);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlanById(pub Uuid);

/// A user the response already holds, read whether or not the viewer sees it: a mutation
/// payload's owner (shown even when the call just hid it), the user of a link shown (whom
/// the viewer sees anyway, through the link's plan).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeldUser(pub Uuid);

/// A plan the response already holds, as [`HeldUser`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeldPlan(pub Uuid);

/// `User.plans`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PlansOfUser(pub Uuid, pub ListArgs);

/// `Plan.users`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UsersOfPlan(pub Uuid, pub ListArgs);

/// `User.plans` (from `Side::User`) or `Plan.users` when the query asks nothing of those
/// objects but their ids (and the lists below them): the far ends' ids, from the links.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkedIdsOf(pub Side, pub Uuid, pub ListArgs);

/// `User.memberships` and `Plan.memberships`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembershipsOf(pub Side, pub Uuid, pub ListArgs);

/// `User.planCount` and `Plan.userCount`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembershipCount(pub Side, pub Uuid);

pub struct SqlLoader {
    db: DatabaseConnection,
    /// What the request's viewer sees: every key is loaded through it.
    visibility: Visibility,
    /// The loader's cache, for [`forget_all`]: DataLoader does not hand its cache out.
    cache: ForgettingCache,
}

/// Above this many parents a level is split into several statements: it keeps the bound
/// parameters under SQLite's limit of 32,766 per statement.
const MAX_BATCH: usize = 10_000;

/// A request's loader. Its cache is what the prefetch feeds.
pub type RequestLoader = DataLoader<SqlLoader, ForgettingCache>;

/// The loader for one request, reading what `visibility` sees. Its batch tasks run in the
/// request's [`SQL_STATS`] scope, so their statements are counted for this request.
pub fn for_request(
    db: DatabaseConnection,
    visibility: Visibility,
    stats: Arc<SqlStats>,
) -> RequestLoader {
    // The batch runs in the request's log span too, so its errors carry the request id.
    let spawn = move |batch| tokio::spawn(SQL_STATS.scope(stats.clone(), batch).in_current_span());
    let cache = ForgettingCache::default();
    let loader = SqlLoader {
        db,
        visibility,
        cache: cache.clone(),
    };
    DataLoader::with_cache(loader, spawn, cache).max_batch_size(MAX_BATCH)
}

/// What the request's reads are filtered with: the prefetch and the connections use it too,
/// so everything a request reads is filtered alike.
pub fn visibility(loader: &RequestLoader) -> Visibility {
    loader.loader().visibility
}

/// Forgets everything loaded so far in this request, whatever its key type: called before
/// each mutation, so what it returns is read after its change.
pub fn forget_all(loader: &RequestLoader) {
    loader.loader().cache.forget_all();
}

/// A loader's cache, one map per key type as async-graphql's `HashMapCache`, that forgets
/// every key type at once. DataLoader's own `clear` empties one key type, so forgetting
/// everything would need a list of them, which a new loader could be missing from. Here
/// each map empties itself when it sees that the generation moved on.
#[derive(Clone, Default)]
pub struct ForgettingCache {
    generation: Arc<AtomicU64>,
}

impl ForgettingCache {
    fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::Release);
    }
}

impl CacheFactory for ForgettingCache {
    fn create<K, V>(&self) -> Box<dyn CacheStorage<Key = K, Value = V>>
    where
        K: Send + Sync + Clone + Eq + Hash + 'static,
        V: Send + Sync + Clone + 'static,
    {
        Box::new(Generational {
            generation: self.generation.clone(),
            seen: self.generation.load(Ordering::Acquire),
            map: HashMap::new(),
        })
    }
}

/// One key type's map, and the generation its entries belong to.
struct Generational<K, V> {
    generation: Arc<AtomicU64>,
    seen: u64,
    map: HashMap<K, V>,
}

impl<K, V> Generational<K, V> {
    fn is_current(&self) -> bool {
        self.generation.load(Ordering::Acquire) == self.seen
    }

    /// The map, emptied first if [`ForgettingCache::forget_all`] was called since.
    fn current(&mut self) -> &mut HashMap<K, V> {
        let now = self.generation.load(Ordering::Acquire);
        if now != self.seen {
            self.map.clear();
            self.seen = now;
        }
        &mut self.map
    }
}

impl<K, V> CacheStorage for Generational<K, V>
where
    K: Send + Sync + Clone + Eq + Hash + 'static,
    V: Send + Sync + Clone + 'static,
{
    type Key = K;
    type Value = V;

    fn get(&mut self, key: &K) -> Option<&V> {
        self.current().get(key)
    }

    fn insert(&mut self, key: Cow<'_, K>, value: Cow<'_, V>) {
        self.current().insert(key.into_owned(), value.into_owned());
    }

    fn remove(&mut self, key: &K) {
        self.current().remove(key);
    }

    fn clear(&mut self) {
        self.map.clear();
    }

    fn iter(&self) -> Box<dyn Iterator<Item = (&'_ K, &'_ V)> + '_> {
        if self.is_current() {
            Box::new(self.map.iter())
        } else {
            Box::new(std::iter::empty())
        }
    }
}

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

/// Groups keys by their field arguments, runs `fetch` once per group with all of the
/// group's parents, and hands each key its parent's rows.
async fn load_grouped<K, G, V, F, Fut>(
    keys: &[K],
    split: impl Fn(&K) -> (G, Uuid),
    fetch: F,
) -> LoadResult<K, V>
where
    K: Clone + Eq + Hash,
    G: Copy + Eq + Hash,
    V: Default,
    F: Fn(G, Vec<Uuid>) -> Fut,
    Fut: Future<Output = AppResult<HashMap<Uuid, V>>>,
{
    let mut groups: HashMap<G, Vec<(&K, Uuid)>> = HashMap::new();
    for key in keys {
        let (group, parent) = split(key);
        groups.entry(group).or_default().push((key, parent));
    }
    let mut loaded = HashMap::with_capacity(keys.len());
    for (group, members) in groups {
        let parents = members.iter().map(|(_, parent)| *parent).collect();
        let mut by_parent = fetch(group, parents).await?;
        for (key, parent) in members {
            loaded.insert(key.clone(), by_parent.remove(&parent).unwrap_or_default());
        }
    }
    Ok(loaded)
}

/// The rows with these ids that `visibility` sees, each under its key.
async fn by_ids<M: KeysetRow, K: Eq + Hash>(
    db: &DatabaseConnection,
    visibility: Visibility,
    ids: impl Iterator<Item = Uuid>,
    key: impl Fn(Uuid) -> K,
) -> LoadResult<K, M> {
    let rows = keyset::find_by_ids::<M>(db, visibility, &ids.collect::<Vec<_>>()).await?;
    Ok(rows.into_iter().map(|row| (key(row.id()), row)).collect())
}

impl Loader<UserById> for SqlLoader {
    type Value = user::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[UserById]) -> LoadResult<UserById, user::Model> {
        by_ids(
            &self.db,
            self.visibility,
            keys.iter().map(|k| k.0),
            UserById,
        )
        .await
    }
}

impl Loader<PlanById> for SqlLoader {
    type Value = plan::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PlanById]) -> LoadResult<PlanById, plan::Model> {
        by_ids(
            &self.db,
            self.visibility,
            keys.iter().map(|k| k.0),
            PlanById,
        )
        .await
    }
}

impl Loader<HeldUser> for SqlLoader {
    type Value = user::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[HeldUser]) -> LoadResult<HeldUser, user::Model> {
        let ids = keys.iter().map(|k| k.0);
        by_ids(&self.db, Visibility::Everything, ids, HeldUser).await
    }
}

impl Loader<HeldPlan> for SqlLoader {
    type Value = plan::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[HeldPlan]) -> LoadResult<HeldPlan, plan::Model> {
        let ids = keys.iter().map(|k| k.0);
        by_ids(&self.db, Visibility::Everything, ids, HeldPlan).await
    }
}

impl Loader<PlansOfUser> for SqlLoader {
    type Value = Vec<plan::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PlansOfUser]) -> LoadResult<PlansOfUser, Self::Value> {
        load_grouped(
            keys,
            |k| (k.1, k.0),
            |args, parents| async move {
                let walk = args.walk(self.visibility, Side::User, &parents);
                memberships::far_ends(&self.db, walk).await
            },
        )
        .await
    }
}

impl Loader<UsersOfPlan> for SqlLoader {
    type Value = Vec<user::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[UsersOfPlan]) -> LoadResult<UsersOfPlan, Self::Value> {
        load_grouped(
            keys,
            |k| (k.1, k.0),
            |args, parents| async move {
                let walk = args.walk(self.visibility, Side::Plan, &parents);
                memberships::far_ends(&self.db, walk).await
            },
        )
        .await
    }
}

impl Loader<LinkedIdsOf> for SqlLoader {
    type Value = Vec<Uuid>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[LinkedIdsOf]) -> LoadResult<LinkedIdsOf, Self::Value> {
        load_grouped(
            keys,
            |k| ((k.0, k.2), k.1),
            |(side, args), parents| async move {
                let walk = args.walk(self.visibility, side, &parents);
                memberships::far_end_ids(&self.db, walk).await
            },
        )
        .await
    }
}

impl Loader<MembershipsOf> for SqlLoader {
    type Value = Vec<user_plan::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MembershipsOf]) -> LoadResult<MembershipsOf, Self::Value> {
        load_grouped(
            keys,
            |k| ((k.0, k.2), k.1),
            |(side, args), parents| async move {
                let walk = args.walk(self.visibility, side, &parents);
                memberships::join_rows(&self.db, walk).await
            },
        )
        .await
    }
}

impl Loader<MembershipCount> for SqlLoader {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MembershipCount]) -> LoadResult<MembershipCount, i64> {
        load_grouped(
            keys,
            |k| (k.0, k.1),
            |side, parents| async move {
                memberships::counts(&self.db, self.visibility, side, &parents).await
            },
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn forget_all_forgets_every_key_type() {
        // A database without tables: a load that reaches it fails, so a load that succeeds
        // was served from the cache.
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let loader = for_request(db, Visibility::Everything, Arc::default());
        let (user, plan) = (Uuid::now_v7(), Uuid::now_v7());
        let plans = PlansOfUser(
            user,
            ListArgs {
                first: 5,
                role: None,
            },
        );
        loader.feed_one(MembershipCount(Side::User, user), 3).await;
        loader.feed_one(plans, Vec::new()).await;
        assert_eq!(
            loader.load_one(MembershipCount(Side::User, user)).await,
            Ok(Some(3))
        );
        assert_eq!(loader.load_one(plans).await, Ok(Some(Vec::new())));

        forget_all(&loader);
        assert!(
            loader
                .load_one(MembershipCount(Side::User, user))
                .await
                .is_err()
        );
        assert!(loader.load_one(plans).await.is_err());
        assert!(loader.get_cached_values::<MembershipCount>().is_empty());

        // What is fed afterwards is kept, until the next forget_all.
        loader.feed_one(MembershipCount(Side::Plan, plan), 1).await;
        assert_eq!(
            loader.load_one(MembershipCount(Side::Plan, plan)).await,
            Ok(Some(1))
        );
        forget_all(&loader);
        assert!(
            loader
                .load_one(MembershipCount(Side::Plan, plan))
                .await
                .is_err()
        );
    }
}
