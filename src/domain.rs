//! Input parsed into checked values at the edge, so the service layer never sees a bad one.

use crate::error::{AppError, AppResult};

pub const MAX_EMAIL_CHARS: usize = 320;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// The cap on every page size and nested list.
pub const MAX_PAGE_SIZE: i32 = 1000;
pub const DEFAULT_CONNECTION_PAGE_SIZE: i32 = 50;
pub const DEFAULT_NESTED_LIST_SIZE: i32 = 100;

/// An email address that looks like one: one `@` with text on both sides, no whitespace,
/// at most 320 characters. Surrounding whitespace is trimmed; case is kept as typed
/// (uniqueness ignores case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let email = raw.trim();
        let bad = |why: &str| Err(AppError::bad_input(field, format!("{field} {why}")));
        if email.chars().count() > MAX_EMAIL_CHARS {
            return bad("must be at most 320 characters");
        }
        if email.chars().any(char::is_whitespace) {
            return bad("must not contain spaces");
        }
        match email.split_once('@') {
            Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@') =>
            {
                Ok(Self(email.to_owned()))
            }
            _ => bad("must be an email address like name@example.com"),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A user's or plan's name: 1 to 200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let name = raw.trim();
        match name.chars().count() {
            0 => Err(AppError::bad_input(
                field,
                format!("{field} must not be empty"),
            )),
            n if n > MAX_NAME_CHARS => Err(AppError::bad_input(
                field,
                format!("{field} must be at most {MAX_NAME_CHARS} characters"),
            )),
            _ => Ok(Self(name.to_owned())),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A plan's description: at most 2,000 characters, kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub fn parse(field: &str, raw: String) -> AppResult<Self> {
        if raw.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(AppError::bad_input(
                field,
                format!("{field} must be at most {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        Ok(Self(raw))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// How many rows a list may return: given by the client (0..=1000) or the field's default.
/// Values out of range are refused, never silently clamped.
pub fn page_size(field: &str, requested: Option<i32>, default: i32) -> AppResult<u64> {
    match requested {
        None => Ok(default as u64),
        Some(n) if (0..=MAX_PAGE_SIZE).contains(&n) => Ok(n as u64),
        Some(n) => Err(AppError::bad_input(
            field,
            format!("{field} must be between 0 and {MAX_PAGE_SIZE}, got {n}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b", "  Ada@Example.com ", "x.y+z@sub.example.org"] {
            assert!(Email::parse("email", ok).is_ok(), "{ok}");
        }
        let long = format!("{}@example.com", "a".repeat(320));
        for bad in [
            "",
            "plain",
            "@x",
            "x@",
            "a@b@c",
            "a b@c",
            "a@b c",
            long.as_str(),
        ] {
            let err = Email::parse("input.email", bad).unwrap_err();
            assert_eq!(err.code(), "BAD_USER_INPUT", "{bad}");
        }
        assert_eq!(Email::parse("e", " A@B ").unwrap().into_inner(), "A@B");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(Name::parse("name", "  Ada ").unwrap().into_inner(), "Ada");
        assert!(Name::parse("name", "   ").is_err());
        assert!(Name::parse("name", &"é".repeat(200)).is_ok());
        assert!(Name::parse("name", &"é".repeat(201)).is_err());
    }

    #[test]
    fn page_sizes_are_refused_not_clamped() {
        assert_eq!(page_size("first", None, 100).unwrap(), 100);
        assert_eq!(page_size("first", Some(0), 100).unwrap(), 0);
        assert_eq!(page_size("first", Some(1000), 100).unwrap(), 1000);
        assert!(page_size("first", Some(1001), 100).is_err());
        assert!(page_size("first", Some(-1), 100).is_err());
    }
}
