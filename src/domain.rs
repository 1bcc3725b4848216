//! Input parsed into checked values at the edge, so the service layer never sees a bad one.

use entity::text::fold_case;

use crate::error::{AppError, AppResult};

pub const MAX_EMAIL_CHARS: usize = 320;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// The cap on every page size and nested list.
pub const MAX_PAGE_SIZE: i32 = 1000;
pub const DEFAULT_CONNECTION_PAGE_SIZE: i32 = 50;
pub const DEFAULT_NESTED_LIST_SIZE: i32 = 100;

/// Refuses what no column can store: PostgreSQL `text` cannot hold NUL (it was an
/// INTERNAL_SERVER_ERROR there, while SQLite stored it and cut `LIKE` patterns at it).
fn refuse_nul(field: &str, text: &str) -> AppResult<()> {
    if text.contains('\0') {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not contain the NUL character (U+0000)"),
        ));
    }
    Ok(())
}

/// Refuses NUL, then any other control character (C0, DEL, C1) except those in `allowed`.
fn refuse_controls(field: &str, text: &str, allowed: &[char]) -> AppResult<()> {
    refuse_nul(field, text)?;
    if text
        .chars()
        .any(|c| c.is_control() && !allowed.contains(&c))
    {
        return Err(AppError::bad_input(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(())
}

/// An email address that looks like one: text, one `@`, and a domain that could receive
/// mail; no whitespace or control characters, at most 320 characters. Surrounding
/// whitespace is trimmed; case is kept as typed (uniqueness ignores it: [`Email::key`]).
/// The local part is not checked further: real addresses have dots where RFC 5322 would
/// not allow them (`a..b@`, `a.@` at some Japanese carriers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let email = raw.trim();
        let bad = |why: &str| Err(AppError::bad_input(field, format!("{field} {why}")));
        if email.chars().count() > MAX_EMAIL_CHARS {
            return bad("must be at most 320 characters");
        }
        refuse_nul(field, email)?;
        if email.chars().any(char::is_whitespace) {
            return bad("must not contain spaces");
        }
        refuse_controls(field, email, &[])?;
        match email.split_once('@') {
            Some((local, domain)) if !local.is_empty() && !domain.contains('@') => {
                if is_mail_domain(domain) {
                    Ok(Self(email.to_owned()))
                } else {
                    bad("must end in a domain like example.com after the @")
                }
            }
            _ => bad("must be an email address like name@example.com"),
        }
    }

    /// `Zoë@Example.COM`, `ZOË@EXAMPLE.COM` and `zoe\u{308}@example.com` have one key.
    pub fn key(&self) -> EmailKey {
        EmailKey(fold_case(&self.0))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A domain that can receive mail (RFC 5321 with RFC 6531's internationalized labels):
/// labels of letters, digits and hyphens (any non-ASCII character, for IDN), none empty
/// and none starting or ending with a hyphen; or an address literal in brackets
/// (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
fn is_mail_domain(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return !literal.is_empty() && !literal.contains(['[', ']', '\\']);
    }
    domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
    })
}

/// A user's or plan's name: 1 to 200 characters after trimming, one line (no control
/// characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let name = raw.trim();
        refuse_controls(field, name, &[])?;
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

    /// What `nameContains` searches: the name case-folded and normalized.
    pub fn folded(&self) -> String {
        fold_case(&self.0)
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A plan's description: at most 2,000 characters, kept as written; tabs and line breaks
/// are its only control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description(String);

impl Description {
    pub fn parse(field: &str, raw: String) -> AppResult<Self> {
        refuse_controls(field, &raw, &['\t', '\n', '\r'])?;
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

/// What makes two addresses one account, and what the `email` filter looks up: the
/// address trimmed, case-folded and normalized ([`fold_case`]). A filter takes any text
/// that could be stored (no NUL), so rows written under older rules are found too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailKey(String);

impl EmailKey {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        refuse_nul(field, raw)?;
        Ok(Self(fold_case(raw.trim())))
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// What `nameContains` looks for: any text that could be stored (no NUL), folded as
/// stored names are, so case is ignored in every script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameNeedle(String);

impl NameNeedle {
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        refuse_nul(field, raw)?;
        Ok(Self(fold_case(raw)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
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
        for ok in [
            "a@b",
            "  Ada@Example.com ",
            "x.y+z@sub.example.org",
            "a..b.@docomo.ne.jp",
            "zoë@exämple.com",
            "用户@例子.广告",
            "o'brien@x-y.example",
            "a@xn--bcher-kva.example",
            "a@[192.0.2.1]",
            "a@[IPv6:2001:db8::1]",
        ] {
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
            ".@.",
            "a@.",
            "a@.example.com",
            "a@example.com.",
            "a@example..com",
            "a@-example.com",
            "a@example-.com",
            "a@exa_mple.com",
            "a@example,com",
            "a@[]",
            "a\u{0}@example.com",
            "a\u{7}@example.com",
            "a@example.com\u{9b}",
            long.as_str(),
        ] {
            let err = Email::parse("input.email", bad).unwrap_err();
            assert_eq!(err.code(), crate::error::ErrorCode::BadUserInput, "{bad:?}");
        }
        assert_eq!(Email::parse("e", " A@B ").unwrap().into_inner(), "A@B");
    }

    #[test]
    fn emails_are_keyed_ignoring_case_and_composition() {
        let key = |email| Email::parse("e", email).unwrap().key();
        assert_eq!(key("Zoë@Example.COM"), key("zoe\u{308}@EXAMPLE.com"));
        assert_eq!(
            key("Zoë@Example.COM"),
            EmailKey::parse("f", " ZOË@example.com ").unwrap()
        );
        assert_ne!(key("zoe@example.com"), key("zoë@example.com"));
    }

    #[test]
    fn names_are_trimmed_bounded_and_one_line() {
        assert_eq!(Name::parse("name", "  Ada ").unwrap().into_inner(), "Ada");
        assert!(Name::parse("name", "   ").is_err());
        assert!(Name::parse("name", &"é".repeat(200)).is_ok());
        assert!(Name::parse("name", &"é".repeat(201)).is_err());
        assert!(
            Name::parse("name", &"👩‍👩‍👧".repeat(40)).is_ok(),
            "200 chars of emoji"
        );
        for bad in ["a\u{0}b", "a\nb", "a\tb", "a\u{1b}[31m", "a\u{7f}"] {
            assert!(Name::parse("name", bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Name::parse("name", "Zoë Ünïcode").unwrap().folded(),
            "zoë ünïcode"
        );
    }

    #[test]
    fn descriptions_keep_line_breaks_and_refuse_other_controls() {
        assert!(Description::parse("d", "a\n\tb\r\n".into()).is_ok());
        for bad in ["a\u{0}", "a\u{8}", "a\u{9b}"] {
            assert!(Description::parse("d", bad.into()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn filters_refuse_only_nul() {
        assert!(NameNeedle::parse("f", "a\u{0}b").is_err());
        assert!(EmailKey::parse("f", "\u{0}").is_err());
        assert_eq!(NameNeedle::parse("f", " ÜNÏ\t").unwrap().as_str(), " ünï\t");
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
