//! Integration tests: one binary, so the suite links once. Each module drives the real
//! server over HTTP on its own fresh database.

mod helpers;

mod bad_input;
mod batching;

mod explain;
mod http;
mod memberships;
mod pagination;
mod plans;
mod schema_file;
mod subscriptions;
mod users;
