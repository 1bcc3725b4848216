//! Integration tests: one binary, so the suite links once. Each module drives the real
//! server over HTTP on its own fresh database.

mod helpers;

mod access;
mod bad_input;
mod batching;
mod conformance;

mod explain;
mod faults;
mod fuzz;
mod http;
mod memberships;
mod model;
mod pagination;
mod plans;
mod races;
mod schema_file;
mod shutdown;
mod subscriptions;
mod text;
mod timeouts;
mod users;
