//! `userplan seed`: deterministic demo and benchmark data, written in large batches.

use chrono::{DateTime, TimeDelta, Utc};
use entity::text::fold_case;
use entity::user;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait, Value};
use uuid::Uuid;

use super::keyset::{self, Filter};
use super::sql::statement;
use crate::BoxError;

/// Rows per INSERT: 1,000 rows of at most 7 columns stay far below SQLite's 32,766 bound
/// parameters per statement.
const ROWS_PER_INSERT: usize = 1000;

/// How much to seed.
#[derive(Clone, Copy, Debug)]
pub struct SeedSizes {
    pub users: u32,
    pub plans: u32,
    pub links_per_user: u32,
    /// The same seed gives the same rows.
    pub seed: u64,
}

/// The `seed` command's arguments convert into the sizes (`From<&SeedArgs>`), so the
/// command and tests pass theirs.
pub async fn run(db: &DatabaseConnection, sizes: impl Into<SeedSizes>) -> Result<(), BoxError> {
    let sizes: SeedSizes = sizes.into();
    let existing_users = keyset::count::<user::Model>(db, &Filter::default())
        .await
        .map_err(|err| err.message())?;
    if existing_users > 0 {
        return Err("seed fills an empty database, and this one has users; \
                    `userplan migrate fresh --yes` empties it (deleting all users, plans and \
                    memberships)"
            .into());
    }
    if sizes.links_per_user > sizes.plans {
        return Err("--links-per-user cannot exceed --plans".into());
    }
    let mut rng = StdRng::seed_from_u64(sizes.seed);
    // A fixed clock: the same seed gives the same ids and timestamps on every run.
    let epoch: DateTime<Utc> = "2025-01-01T00:00:00Z".parse().expect("valid timestamp");
    let (users, plans) = (sizes.users as usize, sizes.plans as usize);
    let links = users * sizes.links_per_user as usize;
    let progress = ProgressBar::new((users + plans + links) as u64).with_style(
        ProgressStyle::with_template("{msg:>6} [{bar:40}] {pos}/{len} rows ({per_sec})")
            .expect("valid template")
            .progress_chars("=> "),
    );

    let user_rows: Vec<(Uuid, DateTime<Utc>)> =
        (0..users).map(|i| timed_id(&mut rng, epoch, i)).collect();
    let plan_rows: Vec<(Uuid, DateTime<Utc>)> =
        (0..plans).map(|i| timed_id(&mut rng, epoch, i)).collect();

    let txn = db.begin().await?;
    progress.set_message("users");
    for (start, chunk) in chunks(&user_rows) {
        let values = chunk.iter().enumerate().flat_map(|(offset, (id, at))| {
            let n = start + offset;
            let (email, name) = (format!("user{n}@example.com"), format!("User {n}"));
            [
                Value::from(*id),
                fold_case(&email).into(),
                email.into(),
                fold_case(&name).into(),
                name.into(),
                (*at).into(),
                (*at).into(),
            ]
        });
        insert(
            &txn,
            "users (id, email_key, email, name_folded, name, inserted_at, updated_at)",
            7,
            chunk.len(),
            values,
        )
        .await?;
        progress.inc(chunk.len() as u64);
    }
    progress.set_message("plans");
    for (start, chunk) in chunks(&plan_rows) {
        let values = chunk.iter().enumerate().flat_map(|(offset, (id, at))| {
            let name = format!("Plan {}", start + offset);
            [
                Value::from(*id),
                fold_case(&name).into(),
                name.into(),
                Value::from(format!("Seeded plan number {}", start + offset)),
                (*at).into(),
                (*at).into(),
            ]
        });
        insert(
            &txn,
            "plans (id, name_folded, name, description, inserted_at, updated_at)",
            6,
            chunk.len(),
            values,
        )
        .await?;
        progress.inc(chunk.len() as u64);
    }
    progress.set_message("links");
    let mut link_rows = Vec::with_capacity(links);
    for (user_id, at) in &user_rows {
        for plan in rand::seq::index::sample(&mut rng, plans, sizes.links_per_user as usize) {
            // Mostly members, some admins, a few owners.
            let role = match rng.random_range(0..10) {
                0 => "OWNER",
                1..=2 => "ADMIN",
                _ => "MEMBER",
            };
            link_rows.push((*user_id, plan_rows[plan].0, role, *at));
        }
    }
    for (_, chunk) in chunks(&link_rows) {
        let values = chunk.iter().flat_map(|(user_id, plan_id, role, at)| {
            [
                Value::from(*user_id),
                (*plan_id).into(),
                (*role).into(),
                (*at).into(),
            ]
        });
        insert(
            &txn,
            "user_plans (user_id, plan_id, role, inserted_at)",
            4,
            chunk.len(),
            values,
        )
        .await?;
        progress.inc(chunk.len() as u64);
    }
    txn.commit().await?;
    progress.finish_with_message("done");
    println!(
        "seeded {users} users, {plans} plans and {links} links (seed {})",
        sizes.seed
    );
    Ok(())
}

/// A UUIDv7 and timestamp for the `n`th row: one millisecond apart, random bits from `rng`.
fn timed_id(rng: &mut StdRng, epoch: DateTime<Utc>, n: usize) -> (Uuid, DateTime<Utc>) {
    let at = epoch + TimeDelta::milliseconds(n as i64);
    let random: [u8; 10] = rng.random();
    let id = uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis() as u64, &random)
        .into_uuid();
    (id, at)
}

fn chunks<T>(rows: &[T]) -> impl Iterator<Item = (usize, &[T])> {
    rows.chunks(ROWS_PER_INSERT)
        .enumerate()
        .map(|(i, chunk)| (i * ROWS_PER_INSERT, chunk))
}

async fn insert(
    conn: &impl ConnectionTrait,
    target: &str,
    columns: usize,
    rows: usize,
    values: impl Iterator<Item = Value>,
) -> Result<(), BoxError> {
    let row = format!("({})", super::sql::placeholders(columns));
    let sql = format!("INSERT INTO {target} VALUES {}", vec![row; rows].join(", "));
    conn.execute_raw(statement(
        conn.get_database_backend(),
        &sql,
        values.collect(),
    ))
    .await?;
    Ok(())
}
