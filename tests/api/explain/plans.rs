//! Query plans, and whether a plan reads only a bounded part of each index.

use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::Value;

use super::PAGE;
use crate::helpers::TestApp;

/// The most rows a walk may read: the seeded tables are at least twice as large, so a walk
/// that a LIMIT does not stop fails.
const WALK_READS_AT_MOST: u64 = 10 * (PAGE + 1);

/// How a statement reads one index.
#[derive(Debug, Clone, Copy)]
pub(super) enum Read {
    /// The part of `index` that a condition on `column` selects.
    Range(&'static str, &'static str),
    /// `index` in the page's order, stopped by the LIMIT.
    Walk(&'static str),
    /// A [`Read::Range`] of either index, whichever the planner picks: a probe that both
    /// serve (`user_plans` has its primary key and the reverse index on the same columns).
    RangeOfEither([&'static str; 2], &'static str),
    /// `index` in the page's order, stopped by the LIMIT once the page holds enough rows
    /// that a condition the index cannot serve keeps (what a viewer may see): it reads
    /// past the page by as many rows as the condition drops, so it has no bound here.
    Sieve(&'static str),
    /// `index` in the page's order for as many rows as the page (stopped by the LIMIT),
    /// before another of the reads listed finds what that walk did not: a sort of those
    /// is allowed, as it is not beside a [`Read::Walk`].
    Prefix(&'static str),
}

/// A plan: PostgreSQL's `EXPLAIN (ANALYZE, FORMAT JSON)`, or SQLite's query plan lines.
#[derive(Debug)]
pub(super) enum Plan {
    Postgres(Value),
    Sqlite(Vec<String>),
}

/// The plan of a statement the server ran, with its values. PostgreSQL is told to avoid
/// sequential scans, hash joins and merge joins, which read a whole table and which it
/// rightly prefers for tables this small: what is checked is that indexes can serve the
/// statement with bounded reads, as the planner does once the tables are large (the
/// benchmark's large dataset), and how much of them is read.
pub(super) async fn explain(app: &TestApp, statement: &Statement) -> Plan {
    let backend = app.db.get_database_backend();
    let values = statement
        .values
        .clone()
        .map(|values| values.0)
        .unwrap_or_default();
    let txn = app.db.begin().await.unwrap();
    let plan = if backend == DbBackend::Postgres {
        for setting in ["enable_seqscan", "enable_hashjoin", "enable_mergejoin"] {
            txn.execute_unprepared(&format!("SET LOCAL {setting} = off"))
                .await
                .unwrap();
        }
        let sql = format!("EXPLAIN (ANALYZE, FORMAT JSON) {}", statement.sql);
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .unwrap();
        let row = rows[0].try_as_pg_row().expect("a PostgreSQL row");
        // `json` arrives as its text; sqlx decodes String only from text types.
        let text: String = sea_orm::sqlx::Row::try_get_unchecked(row, 0).unwrap();
        let plan: Value = serde_json::from_str(&text).unwrap();
        Plan::Postgres(plan[0]["Plan"].clone())
    } else {
        let sql = format!("EXPLAIN QUERY PLAN {}", statement.sql);
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await
            .unwrap();
        Plan::Sqlite(
            rows.iter()
                .map(|row| row.try_get::<String>("", "detail").unwrap())
                .collect(),
        )
    };
    txn.rollback().await.unwrap();
    plan
}

/// The plan PostgreSQL runs a statement of the server's with once it has run it five
/// times (its generic plan: the values unknown, estimated from averages), and what each
/// node actually read with these values, untouched by the settings [`explain`] makes.
pub(super) async fn explain_generic(app: &TestApp, statement: &Statement) -> Value {
    use sea_orm::sea_query::{PostgresQueryBuilder, QueryBuilder};
    let values = statement.values.clone().map(|v| v.0).unwrap_or_default();
    // Typed, since a prepared statement's parameters take no implicit cast from text.
    let arguments: Vec<String> = (values.iter())
        .map(|value| {
            let literal = PostgresQueryBuilder.value_to_string(value);
            match value {
                sea_orm::Value::Uuid(_) => format!("{literal}::uuid"),
                sea_orm::Value::Array(..) => format!("{literal}::uuid[]"),
                _ => literal,
            }
        })
        .collect();
    let txn = app.db.begin().await.unwrap();
    for setup in [
        "SET LOCAL plan_cache_mode = force_generic_plan".to_owned(),
        format!("PREPARE checked AS {}", statement.sql),
    ] {
        txn.execute_unprepared(&setup).await.unwrap();
    }
    let sql = format!(
        "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE checked({})",
        arguments.join(", ")
    );
    let rows = txn.query_all_raw(Statement::from_string(DbBackend::Postgres, sql));
    let rows = rows.await.unwrap();
    let text: String =
        sea_orm::sqlx::Row::try_get_unchecked(rows[0].try_as_pg_row().unwrap(), 0).unwrap();
    // A prepared statement outlives the transaction, on a pooled connection.
    txn.execute_unprepared("DEALLOCATE checked").await.unwrap();
    txn.rollback().await.unwrap();
    let plan: Value = serde_json::from_str(&text).unwrap();
    plan[0]["Plan"].clone()
}

/// The most index entries of `user_plans` that a read a PostgreSQL plan repeats (per row
/// of another) went through in one loop, found or dropped by a filter, and that read's
/// node; `(0, Null)` if the plan repeats none.
pub(super) fn widest_repeated_link_read(plan: &Value) -> (u64, Value) {
    let read = |node: &Value| {
        let count = |key: &str| node[key].as_f64().unwrap_or(0.0);
        (count("Actual Rows") + count("Rows Removed by Filter")) as u64
    };
    let repeated = nodes(plan).into_iter().filter(|node| {
        node["Relation Name"] == "user_plans" && node["Actual Loops"].as_u64() > Some(1)
    });
    let Some(widest) = repeated.max_by_key(|node| read(node)) else {
        return (0, Value::Null);
    };
    let mut node = widest.clone();
    node.as_object_mut().unwrap().remove("Plans");
    (read(widest), node)
}

/// How many rows (or index entries) of `table` a PostgreSQL plan went through in all, found
/// or dropped by a filter, over every loop of every read.
pub(super) fn rows_read(plan: &Value, table: &str) -> u64 {
    let count = |node: &Value, key: &str| node[key].as_f64().unwrap_or(0.0);
    (nodes(plan).into_iter())
        .filter(|node| node["Relation Name"] == table)
        .map(|node| {
            let per_loop = count(node, "Actual Rows") + count(node, "Rows Removed by Filter");
            (per_loop * count(node, "Actual Loops")) as u64
        })
        .sum()
}

/// Every node of a PostgreSQL plan.
fn nodes(plan: &Value) -> Vec<&Value> {
    let mut all = vec![plan];
    for child in plan["Plans"].as_array().into_iter().flatten() {
        all.extend(nodes(child));
    }
    all
}

/// Whether the condition `cond` of a plan names `column`.
fn names(cond: &str, column: &str) -> bool {
    cond.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word == column)
}

/// Whether `plan` reads exactly as `reads` says: each read is there, a walk is stopped by
/// the LIMIT in its order, and nothing else reads a table without a condition.
pub(super) fn check(plan: &Plan, reads: &[Read]) -> Result<(), String> {
    match plan {
        Plan::Postgres(root) => check_postgres(root, reads),
        Plan::Sqlite(lines) => check_sqlite(lines, reads),
    }
}

/// Whether `index` is one that `reads` walks (or sieves).
fn walks(reads: &[Read], index: &str) -> bool {
    reads
        .iter()
        .any(|read| matches!(read, Read::Walk(i) | Read::Sieve(i) | Read::Prefix(i) if *i == index))
}

fn has_walk(reads: &[Read]) -> bool {
    (reads.iter()).any(|read| matches!(read, Read::Walk(_) | Read::Sieve(_)))
}

fn check_postgres(root: &Value, reads: &[Read]) -> Result<(), String> {
    let nodes = nodes(root);
    let index_nodes = || nodes.iter().filter(|node| node["Index Name"].is_string());
    for node in &nodes {
        let kind = node["Node Type"].as_str().unwrap_or_default();
        if kind == "Seq Scan" {
            return Err(format!("a sequential scan of {}", node["Relation Name"]));
        }
        if kind == "Sort" && has_walk(reads) {
            return Err("a sort instead of a walk in index order".into());
        }
    }
    for node in index_nodes() {
        let index = node["Index Name"].as_str().unwrap();
        if node["Index Cond"].is_null() && !walks(reads, index) {
            return Err(format!("{index} is read whole (no Index Cond)"));
        }
    }
    for read in reads {
        let ranges = |index: &str, column: &str| {
            index_nodes().any(|node| {
                node["Index Name"] == index
                    && node["Index Cond"]
                        .as_str()
                        .is_some_and(|cond| names(cond, column))
            })
        };
        let found = match *read {
            Read::Range(index, column) => ranges(index, column),
            Read::RangeOfEither(indexes, column) => {
                indexes.iter().any(|index| ranges(index, column))
            }
            Read::Walk(index) | Read::Prefix(index) => {
                let walk = index_nodes()
                    .find(|node| node["Index Name"] == index && node["Index Cond"].is_null());
                if let Some(walk) = walk {
                    let count = |key: &str| walk[key].as_f64().unwrap_or(0.0);
                    let read = ((count("Actual Rows") + count("Rows Removed by Filter"))
                        * count("Actual Loops")) as u64;
                    if read > WALK_READS_AT_MOST {
                        return Err(format!("the walk of {index} read {read} rows"));
                    }
                }
                walk.is_some()
            }
            Read::Sieve(index) => index_nodes()
                .any(|node| node["Index Name"] == index && node["Index Cond"].is_null()),
        };
        if !found {
            return Err(format!("no {read:?}"));
        }
    }
    Ok(())
}

fn check_sqlite(lines: &[String], reads: &[Read]) -> Result<(), String> {
    // A co-routine's rows are a subquery's answer, read as they come: not a table.
    let coroutines: Vec<&str> = (lines.iter())
        .filter_map(|line| line.strip_prefix("CO-ROUTINE "))
        .collect();
    for line in lines {
        if line.starts_with("USE TEMP B-TREE") && has_walk(reads) {
            return Err("a sort instead of a walk in index order".into());
        }
        let Some(scanned) = line.strip_prefix("SCAN ") else {
            continue;
        };
        // Not tables: a nested list's parent ids (`VALUES … AS p`), a constant row.
        if scanned == "p"
            || scanned == "CONSTANT ROW"
            || scanned.ends_with("-ROW VALUES CLAUSE")
            || coroutines.contains(&scanned)
        {
            continue;
        }
        let walked = scanned
            .split(" INDEX ")
            .nth(1)
            .is_some_and(|index| walks(reads, index));
        if !walked {
            return Err(format!("{line:?}: a table or index read whole"));
        }
    }
    for read in reads {
        let ranges = |line: &str, index: &str, column: &str| {
            line.starts_with("SEARCH ")
                && line.split(" INDEX ").nth(1).is_some_and(|rest| {
                    rest.strip_prefix(index)
                        .is_some_and(|cond| cond.starts_with(" (") && names(cond, column))
                })
        };
        let found = lines.iter().any(|line| match *read {
            Read::Range(index, column) => ranges(line, index, column),
            Read::RangeOfEither(indexes, column) => {
                indexes.iter().any(|index| ranges(line, index, column))
            }
            Read::Walk(index) | Read::Sieve(index) | Read::Prefix(index) => {
                line.starts_with("SCAN ") && line.ends_with(&format!(" INDEX {index}"))
            }
        });
        if !found {
            return Err(format!("no {read:?}"));
        }
    }
    Ok(())
}

/// The statements of a request that read rows (SELECT, WITH … SELECT), in the order the
/// server ran them.
pub(super) async fn selects(app: &TestApp, query: &str, variables: Value) -> Vec<Statement> {
    selects_as(app, None, query, variables).await
}

/// [`selects`] of a request sent with this bearer, if any.
pub(super) async fn selects_as(
    app: &TestApp,
    bearer: Option<&str>,
    query: &str,
    variables: Value,
) -> Vec<Statement> {
    let statements = app.sql_of_as(bearer, query, variables).await;
    statements
        .into_iter()
        .filter(|s| s.sql.starts_with("SELECT ") || s.sql.starts_with("WITH "))
        .collect()
}

/// Checks each SELECT of a request against its expected reads, in order; Err says which.
pub(super) async fn check_request(
    app: &TestApp,
    query: &str,
    variables: Value,
    expected: &[&[Read]],
) -> Result<(), String> {
    check_request_as(app, None, query, variables, expected).await
}

/// [`check_request`] for a request sent with this bearer, if any.
pub(super) async fn check_request_as(
    app: &TestApp,
    bearer: Option<&str>,
    query: &str,
    variables: Value,
    expected: &[&[Read]],
) -> Result<(), String> {
    let statements = selects_as(app, bearer, query, variables.clone()).await;
    if statements.len() != expected.len() {
        return Err(format!(
            "{query} {variables}: {} SELECTs, expected {}",
            statements.len(),
            expected.len()
        ));
    }
    for (statement, reads) in statements.iter().zip(expected) {
        let plan = explain(app, statement).await;
        check(&plan, reads)
            .map_err(|why| format!("{query} {variables}: {why}\n{}\n{plan:#?}", statement.sql))?;
    }
    Ok(())
}
