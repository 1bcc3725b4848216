//! Which browser origins may call the API (`--cors-origin`). The same list is what a
//! cross-origin WebSocket upgrade can be checked against, so it is parsed once, at start.

use std::str::FromStr;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The origins `--cors-origin` allows. Each value is a comma-separated list; values add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedOrigins {
    /// `*`: any origin. Responses never allow credentials, so any origin is safe to say.
    Any,
    /// Exactly these origins, lowercase as browsers send them. None: CORS is off.
    Only(Vec<HeaderValue>),
}

impl Default for AllowedOrigins {
    fn default() -> Self {
        Self::Only(Vec::new())
    }
}

impl AllowedOrigins {
    /// Every origin that one of `values` allows.
    pub fn all_of<'a>(values: impl IntoIterator<Item = &'a AllowedOrigins>) -> Self {
        values
            .into_iter()
            .fold(Self::default(), |all, value| match (all, value) {
                (Self::Any, _) | (_, Self::Any) => Self::Any,
                (Self::Only(mut origins), Self::Only(more)) => {
                    for origin in more {
                        add_once(&mut origins, origin.clone());
                    }
                    Self::Only(origins)
                }
            })
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Only(origins) if origins.is_empty())
    }

    /// Whether a request's `Origin` header names an allowed origin.
    pub fn permits(&self, origin: &HeaderValue) -> bool {
        match self {
            Self::Any => true,
            Self::Only(origins) => origins
                .iter()
                .any(|allowed| allowed.as_bytes().eq_ignore_ascii_case(origin.as_bytes())),
        }
    }

    /// The CORS layer for these origins; `None` when there are none.
    pub(super) fn layer(&self, expose: HeaderName) -> Option<CorsLayer> {
        let allow_origin = match self {
            _ if self.is_empty() => return None,
            // `AllowOrigin::list` panics on `*`: any origin has its own constructor.
            Self::Any => AllowOrigin::any(),
            Self::Only(_) => {
                let origins = self.clone();
                AllowOrigin::predicate(move |origin, _| origins.permits(origin))
            }
        };
        Some(
            CorsLayer::new()
                .allow_origin(allow_origin)
                .allow_methods([Method::GET, Method::POST])
                .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT])
                .expose_headers([expose])
                .max_age(Duration::from_secs(3600)),
        )
    }
}

/// A comma-separated list of origins; blank entries (an empty `CORS_ORIGINS=`, a trailing
/// comma) add nothing.
impl FromStr for AllowedOrigins {
    type Err = String;

    fn from_str(list: &str) -> Result<Self, String> {
        let mut origins = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                return Ok(Self::Any);
            }
            add_once(&mut origins, parse_origin(entry)?);
        }
        Ok(Self::Only(origins))
    }
}

fn add_once(origins: &mut Vec<HeaderValue>, origin: HeaderValue) {
    if !origins.contains(&origin) {
        origins.push(origin);
    }
}

/// `scheme://host[:port]`, the form of a browser's `Origin` header. The trailing slash an
/// address bar shows is dropped, and the text lowercased as browsers send it.
fn parse_origin(entry: &str) -> Result<HeaderValue, String> {
    let origin = entry
        .strip_suffix('/')
        .unwrap_or(entry)
        .to_ascii_lowercase();
    if !is_origin(&origin) {
        let hint = if entry.is_ascii() {
            ""
        } else {
            " (write a non-ASCII host in its xn-- form, as browsers send it)"
        };
        return Err(format!(
            "{entry:?} is not an origin: expected scheme://host[:port], e.g. \
             https://app.example.com, or * for any origin{hint}"
        ));
    }
    Ok(HeaderValue::from_str(&origin).expect("an origin is a valid header value"))
}

fn is_origin(text: &str) -> bool {
    let Some((scheme, authority)) = text.split_once("://") else {
        return false;
    };
    let scheme_valid = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    let (host_valid, port) = match authority.strip_prefix('[') {
        Some(bracketed) => match bracketed.split_once(']') {
            Some((ip, rest)) => (ip.parse::<std::net::Ipv6Addr>().is_ok(), rest),
            None => return false,
        },
        None => {
            let end = authority.find(':').unwrap_or(authority.len());
            let host = &authority[..end];
            let valid = !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
            (valid, &authority[end..])
        }
    };
    let port_valid = match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => {
            digits.bytes().all(|b| b.is_ascii_digit()) && digits.parse::<u16>().is_ok_and(|p| p > 0)
        }
    };
    scheme_valid && host_valid && port_valid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(list: &str) -> Result<AllowedOrigins, String> {
        list.parse()
    }

    fn only(list: &[&'static str]) -> AllowedOrigins {
        AllowedOrigins::Only(list.iter().map(|o| HeaderValue::from_static(o)).collect())
    }

    #[test]
    fn entries_are_trimmed_normalized_and_blank_ones_ignored() {
        assert_eq!(
            origins(" https://A.example.com/ ,, http://localhost:5173 ,"),
            Ok(only(&["https://a.example.com", "http://localhost:5173"]))
        );
        assert_eq!(
            origins("https://a.example, https://A.example/"),
            Ok(only(&["https://a.example"]))
        );
        assert_eq!(origins(""), Ok(AllowedOrigins::default()));
        assert_eq!(
            origins("http://[::1]:8080"),
            Ok(only(&["http://[::1]:8080"]))
        );
    }

    #[test]
    fn a_star_anywhere_allows_any_origin() {
        assert_eq!(origins("*"), Ok(AllowedOrigins::Any));
        assert_eq!(origins("https://a.example, *"), Ok(AllowedOrigins::Any));
        let lists = [only(&["https://a.example"]), AllowedOrigins::Any];
        assert_eq!(AllowedOrigins::all_of(&lists), AllowedOrigins::Any);
    }

    #[test]
    fn what_is_not_scheme_host_port_is_refused() {
        for entry in [
            "a.example.com",
            "https://",
            "https://a.example.com/app",
            "https://a.example.com?x=1",
            "https://user@a.example.com",
            "https://a.example.com:0",
            "https://a.example.com:65536",
            "https://a.example.com:80x",
            "https://a example.com",
            "https://[::1",
            "https://[zz]:80",
            "://a.example.com",
            "1http://a.example.com",
            "https://a.example.com\0",
            "https://bücher.example",
            "https://😀.example",
        ] {
            let refused = origins(entry).expect_err(entry);
            assert!(refused.contains("scheme://host[:port]"), "{refused}");
        }
        let non_ascii = origins("https://bücher.example").unwrap_err();
        assert!(non_ascii.contains("xn--"), "{non_ascii}");
    }

    #[test]
    fn permits_compares_whole_origins_ignoring_case() {
        let allowed = only(&["https://a.example.com"]);
        assert!(allowed.permits(&HeaderValue::from_static("https://A.example.com")));
        assert!(!allowed.permits(&HeaderValue::from_static("https://a.example.com.evil")));
        assert!(!allowed.permits(&HeaderValue::from_static("http://a.example.com")));
        assert!(!AllowedOrigins::default().permits(&HeaderValue::from_static("null")));
        assert!(AllowedOrigins::Any.permits(&HeaderValue::from_static("null")));
    }
}
