//! Raw statements written once for both databases.

use sea_orm::{DbBackend, Statement, Value};
use uuid::Uuid;

/// Builds a statement from SQL written with `?` placeholders; PostgreSQL wants `$1, $2, ...`.
/// Our SQL never has a `?` inside a literal, which keeps this rewrite exact.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + values.len() * 3);
            let mut pieces = sql.split('?');
            numbered.push_str(pieces.next().unwrap_or_default());
            for (n, piece) in (1..).zip(pieces) {
                numbered.push('$');
                numbered.push_str(itoa::Buffer::new().format(n));
                numbered.push_str(piece);
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// A condition that `column` is one of `ids`, with its values pushed onto `values`.
/// PostgreSQL gets the whole list as one array parameter, so the statement text (and its
/// cached plan) is the same for any number of ids, except one id, which is compared
/// alone: against an array of unknown length the generic plan looks dearer than a plan
/// made for the one id, so PostgreSQL planned such a statement again on every call, which
/// cost more than running it (`user(id)` 58 µs planned, 13 µs run; the README's
/// "Plans made once"). SQLite, which has no arrays, gets an `IN` list.
pub fn one_of(backend: DbBackend, column: &str, ids: &[Uuid], values: &mut Vec<Value>) -> String {
    match backend {
        DbBackend::Postgres if ids.len() == 1 => {
            values.push(ids[0].into());
            format!("{column} = ?")
        }
        DbBackend::Postgres => {
            values.push(ids.to_vec().into());
            format!("{column} = ANY(?)")
        }
        _ => {
            values.extend(ids.iter().copied().map(Value::from));
            format!("{column} IN ({})", placeholders(ids.len()))
        }
    }
}

/// `(?), (?), (?)`: a `VALUES` list of `n` one-column rows (named `column1` by both
/// databases).
pub fn value_rows(n: usize) -> String {
    let mut rows = "(?), ".repeat(n);
    rows.truncate(rows.len().saturating_sub(2));
    rows
}

/// `?, ?, ?` for an `IN (...)` list of `n` values.
pub fn placeholders(n: usize) -> String {
    let mut list = "?, ".repeat(n);
    list.truncate(list.len().saturating_sub(2));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_for_postgres_only() {
        let values = vec![1.into(), 2.into()];
        let pg = statement(DbBackend::Postgres, "a = ? AND b IN (?)", values.clone());
        assert_eq!(pg.sql, "a = $1 AND b IN ($2)");
        let lite = statement(DbBackend::Sqlite, "a = ? AND b IN (?)", values);
        assert_eq!(lite.sql, "a = ? AND b IN (?)");
        let eleven = statement(
            DbBackend::Postgres,
            &format!("({}) ?", placeholders(10)),
            vec![],
        );
        assert_eq!(eleven.sql, "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) $11");
        assert_eq!(statement(DbBackend::Postgres, "?", vec![]).sql, "$1");
        assert_eq!(placeholders(3), "?, ?, ?");
        assert_eq!(placeholders(0), "");
        assert_eq!(value_rows(2), "(?), (?)");
    }
}
