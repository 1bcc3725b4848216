//! The shared bearer token (`--api-token`): the service credential. It guards writes (and,
//! when asked, reads) on a server without sign-in.

use std::path::Path;

use subtle::ConstantTimeEq;

use super::{Caller, Viewer};
use crate::BoxError;
use crate::config::AccessArgs;

#[derive(Clone, Default)]
pub struct ApiToken {
    token: Option<Vec<u8>>,
    read_required: bool,
}

impl ApiToken {
    pub fn from_args(args: &AccessArgs) -> Result<Self, BoxError> {
        let token = match (&args.api_token, &args.api_token_file) {
            (Some(token), _) => Some(token.trim().to_owned()),
            (None, Some(path)) => Some(read_token_file(path)?),
            (None, None) => None,
        };
        if token.as_deref() == Some("") {
            return Err("the API token is empty".into());
        }
        Ok(ApiToken {
            token: token.map(String::into_bytes),
            read_required: args.read_token_required,
        })
    }

    pub fn is_configured(&self) -> bool {
        self.token.is_some()
    }

    /// The rights of a caller that presented this `Authorization` value (`Bearer <token>`).
    pub fn caller(&self, authorization: Option<&str>) -> Caller {
        let Some(expected) = &self.token else {
            return Caller {
                viewer: Viewer::Service,
                may_read: true,
                may_write: true,
                refused: None,
                expires_at: None,
                signed_out: false,
            };
        };
        let presented = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim);
        // Constant time, so the comparison does not tell an attacker how much of a guess
        // was right.
        let valid = presented.is_some_and(|token| bool::from(token.as_bytes().ct_eq(expected)));
        Caller {
            viewer: if valid {
                Viewer::Service
            } else {
                Viewer::Anonymous
            },
            may_read: valid || !self.read_required,
            may_write: valid,
            refused: None,
            expires_at: None,
            signed_out: false,
        }
    }

    /// Whether a presented `Authorization` value is a wrong token (as opposed to none).
    pub fn rejects(&self, authorization: Option<&str>) -> bool {
        self.is_configured() && authorization.is_some() && !self.caller(authorization).may_write
    }
}

fn read_token_file(path: &Path) -> Result<String, BoxError> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read the API token file {}: {err}", path.display()))?;
    Ok(text.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(read_required: bool) -> ApiToken {
        ApiToken::from_args(&AccessArgs {
            api_token: Some("s3cret".into()),
            read_token_required: read_required,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn callers_by_token() {
        let open = ApiToken::default();
        assert_eq!(
            open.caller(None),
            Caller {
                viewer: Viewer::Service,
                may_read: true,
                may_write: true,
                refused: None,
                expires_at: None,
                signed_out: false
            }
        );
        let guarded = token(false);
        assert_eq!(
            guarded.caller(None),
            Caller {
                viewer: Viewer::Anonymous,
                may_read: true,
                may_write: false,
                refused: None,
                expires_at: None,
                signed_out: false
            }
        );
        assert_eq!(
            guarded.caller(Some("Bearer nope")),
            Caller {
                viewer: Viewer::Anonymous,
                may_read: true,
                may_write: false,
                refused: None,
                expires_at: None,
                signed_out: false
            }
        );
        assert_eq!(
            guarded.caller(Some("s3cret")),
            Caller {
                viewer: Viewer::Anonymous,
                may_read: true,
                may_write: false,
                refused: None,
                expires_at: None,
                signed_out: false
            }
        );
        assert_eq!(
            guarded.caller(Some("Bearer s3cret")),
            Caller {
                viewer: Viewer::Service,
                may_read: true,
                may_write: true,
                refused: None,
                expires_at: None,
                signed_out: false
            }
        );
        assert!(guarded.rejects(Some("Bearer s3cre")));
        assert!(!guarded.rejects(None));
        let sealed = token(true);
        assert_eq!(
            sealed.caller(None),
            Caller {
                viewer: Viewer::Anonymous,
                may_read: false,
                may_write: false,
                refused: None,
                expires_at: None,
                signed_out: false
            }
        );
    }
}
