//! The codes of every error the server sends, the one error type of the service layer,
//! and the one place it becomes a GraphQL error. A request-level error (the document did
//! not run) is a [`request_error`]; a field's error is an [`AppError`]; both carry an
//! [`ErrorCode`], never a code typed as a string.

use async_graphql::ErrorExtensions;
use axum::http::StatusCode;
use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};
use uuid::Uuid;

/// Declares [`ErrorCode`] and its list of every code, from one list: a code added here is
/// in `ALL`, which the README's check reads.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal,)*) => {
        /// `extensions.code`: what a client can branch on. The README's Errors table lists
        /// exactly these (a test checks).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    /// An argument the client can fix, a document that does not parse or validate, or a
    /// request over a limit.
    BadUserInput = "BAD_USER_INPUT",
    NotFound = "NOT_FOUND",
    /// The viewer can see the object but may not make this change.
    Forbidden = "FORBIDDEN",
    Conflict = "CONFLICT",
    /// The operation needs the API token, and the request has none or a wrong one.
    Unauthenticated = "UNAUTHENTICATED",
    /// A write sent over GET.
    MethodNotAllowed = "METHOD_NOT_ALLOWED",
    Timeout = "TIMEOUT",
    /// An automatic persisted query's hash that this instance does not know yet.
    PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND",
    /// With trusted documents, a document that is not one of them.
    PersistedQueryNotInList = "PERSISTED_QUERY_NOT_IN_LIST",
    /// Safe to retry: the database is away or busy.
    ServiceUnavailable = "SERVICE_UNAVAILABLE",
    InternalServerError = "INTERNAL_SERVER_ERROR",
}

impl ErrorCode {
    /// The code an `extensions.code` names, if it is one of ours.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|known| known.as_str() == code)
    }

    /// The HTTP status of a request error with this code, for clients that accept
    /// `application/graphql-response+json` (the others get 200, and so do field errors).
    /// A write over GET is 405 whatever the media type.
    pub fn http_status(self) -> StatusCode {
        match self {
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ErrorCode::InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::BadUserInput
            | ErrorCode::NotFound
            | ErrorCode::Forbidden
            | ErrorCode::Conflict
            | ErrorCode::PersistedQueryNotFound
            | ErrorCode::PersistedQueryNotInList
            | ErrorCode::ServiceUnavailable => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<ErrorCode> for async_graphql::Value {
    fn from(code: ErrorCode) -> Self {
        async_graphql::Value::from(code.as_str())
    }
}

/// Deliberately not `Display`: async-graphql converts any `Display` error with `?` through
/// a blanket impl that drops `extensions.code`. Without it, the only conversion is ours.
#[derive(Debug)]
pub enum AppError {
    /// An argument the client can fix; `field` names it (e.g. `input.email`).
    BadUserInput {
        field: String,
        message: String,
        /// For a client that must act on it: `extensions.reason`.
        reason: Option<&'static str>,
    },
    NotFound {
        message: String,
        ids: Vec<Uuid>,
    },
    /// A signed-in viewer who may see the objects but not make this change; `ids` names
    /// the plans concerned (or the user, for someone else's account).
    Forbidden {
        message: String,
        ids: Vec<Uuid>,
    },
    /// `ids` names the rows concerned where there are some (the plans a last owner would
    /// leave without one); empty otherwise, and then not sent.
    Conflict {
        message: String,
        ids: Vec<Uuid>,
    },
    /// The database cannot be reached, or (SQLite) another process holds its lock: safe
    /// to retry.
    Unavailable(DbErr),
    /// The database stopped a statement at the request's time limit (`statement_timeout`).
    Timeout(DbErr),
    Internal(DbErr),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
            reason: None,
        }
    }

    /// A history cursor whose event is older than the retention period: the client must
    /// reload instead of resuming.
    pub fn cursor_expired(field: &str) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: format!(
                "{field} names an event older than the history keeps; reload, then \
                 subscribe without it"
            ),
            reason: Some("cursor_expired"),
        }
    }

    pub fn not_found(what: &str, mut ids: Vec<Uuid>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        Self::NotFound {
            message: format!("no {what} with id {}", id_list(&ids)),
            ids,
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
            ids: Vec::new(),
        }
    }

    /// What the client is told: never SQL or driver text.
    pub fn message(&self) -> String {
        match self {
            Self::BadUserInput { message, .. }
            | Self::NotFound { message, .. }
            | Self::Forbidden { message, .. }
            | Self::Conflict { message, .. } => message.clone(),
            Self::Unavailable(_) => {
                "the database cannot be reached right now; retry shortly".to_owned()
            }
            Self::Timeout(_) => {
                "the request ran longer than its time limit and was stopped".to_owned()
            }
            Self::Internal(_) => "internal server error".to_owned(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadUserInput { .. } => ErrorCode::BadUserInput,
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::Forbidden { .. } => ErrorCode::Forbidden,
            Self::Conflict { .. } => ErrorCode::Conflict,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Timeout(_) => ErrorCode::Timeout,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }
}

/// Ids for a message: the first few, and how many more `extensions.ids` lists (a call may
/// name 10,000; a message of all of them would be hundreds of kilobytes).
pub fn id_list(ids: &[Uuid]) -> String {
    const SHOWN: usize = 3;
    let shown: Vec<String> = ids.iter().take(SHOWN).map(Uuid::to_string).collect();
    match ids.len().saturating_sub(SHOWN) {
        0 => shown.join(", "),
        more => format!(
            "{} and {more} more (extensions.ids lists them all)",
            shown.join(", ")
        ),
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if is_connection_error(&err) || is_sqlite_busy(&err) {
            Self::Unavailable(err)
        } else if sql_state(&err).as_deref() == Some("57014") {
            Self::Timeout(err)
        } else {
            Self::Internal(err)
        }
    }
}

/// Errors that mean "the database is away", as opposed to a statement that failed.
fn is_connection_error(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))
            if matches!(
                e.as_ref(),
                Sqlx::Io(_)
                    | Sqlx::PoolTimedOut
                    | Sqlx::PoolClosed
                    | Sqlx::WorkerCrashed
                    | Sqlx::Tls(_)
            ) =>
        {
            true
        }
        // The server ended the session (shutdown, pg_terminate_backend) or cannot accept
        // one: class 08 and the 57P0x codes are about the connection, not the statement.
        _ => sql_state(err).is_some_and(|code| code.starts_with("08") || code.starts_with("57P0")),
    }
}

/// SQLite's "locked by another connection" (`SQLITE_BUSY`, `SQLITE_LOCKED` and their
/// extended codes), reported once the busy timeout has passed: the statement itself is
/// fine and can run when the lock is gone.
fn is_sqlite_busy(err: &DbErr) -> bool {
    const SQLITE_BUSY: i32 = 5;
    const SQLITE_LOCKED: i32 = 6;
    database_error(err)
        .and_then(|e| e.try_downcast_ref::<SqliteError>())
        .and_then(|e| e.code()?.parse::<i32>().ok())
        // The low byte of an extended result code is its primary code.
        .is_some_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
}

/// The SQLSTATE of an error the database itself reported.
pub fn sql_state(err: &DbErr) -> Option<String> {
    Some(database_error(err)?.code()?.into_owned())
}

fn database_error(err: &DbErr) -> Option<&dyn DatabaseError> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            e.as_database_error()
        }
        _ => None,
    }
}

/// True when `err` is a unique-constraint violation: the way to detect "already exists"
/// without a racy read before the write.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    )
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        if let AppError::Unavailable(source)
        | AppError::Timeout(source)
        | AppError::Internal(source) = &err
        {
            // The client sees only the generic message; the detail (SQL, driver text) is for
            // the operator.
            tracing::error!(error = %source, code = err.code().as_str(), "database error");
        }
        async_graphql::Error::new(err.message()).extend_with(|_, ext| {
            ext.set("code", err.code());
            match &err {
                AppError::BadUserInput { field, reason, .. } => {
                    ext.set("field", field.as_str());
                    if let Some(reason) = reason {
                        ext.set("reason", *reason);
                    }
                }
                // A CONFLICT names rows only where it has some, as it did before it could.
                AppError::NotFound { ids, .. } | AppError::Forbidden { ids, .. } => {
                    ext.set("ids", ids.iter().map(Uuid::to_string).collect::<Vec<_>>())
                }
                AppError::Conflict { ids, .. } if !ids.is_empty() => {
                    ext.set("ids", ids.iter().map(Uuid::to_string).collect::<Vec<_>>())
                }
                _ => {}
            }
        })
    }
}

/// An error about the request as a whole (refused before or instead of running it), with
/// its `extensions.code`.
pub fn request_error(message: impl Into<String>, code: ErrorCode) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::ErrorCode;

    /// The rows of the README's Errors table: each code with the rest of its row.
    fn documented_codes() -> BTreeMap<String, String> {
        let readme = include_str!("../README.md");
        let (_, section) = readme
            .split_once("\n## Errors\n")
            .expect("an Errors section");
        section
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .filter_map(|row| {
                let (code, when) = row.strip_prefix("| `")?.split_once("` |")?;
                Some((code.to_owned(), when.to_owned()))
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_every_code_and_no_other() {
        let documented = documented_codes();
        let listed: Vec<&str> = documented.keys().map(String::as_str).collect();
        let mut codes: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        codes.sort_unstable();
        assert_eq!(
            listed, codes,
            "the README's Errors table (left) and ErrorCode (right) differ"
        );
    }

    /// The README gives each code's HTTP status as `HTTP nnn` in its row where it is not
    /// 400 (the table's default), and no other status.
    #[test]
    fn the_readme_gives_each_codes_http_status() {
        let documented = documented_codes();
        for code in ErrorCode::ALL {
            // A missing row is the other test's failure.
            let Some(when) = documented.get(code.as_str()) else {
                continue;
            };
            let given: Vec<u16> = when
                .split("HTTP ")
                .skip(1)
                .filter_map(|after| after.get(..3)?.parse().ok())
                .collect();
            let status = code.http_status().as_u16();
            let expected = if status == 400 { vec![] } else { vec![status] };
            assert_eq!(
                given,
                expected,
                "the README's row of {}: {when}",
                code.as_str()
            );
        }
    }

    #[test]
    fn codes_parse_back() {
        for &code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("bad_user_input"), None);
    }
}
