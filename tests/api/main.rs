//! Integration tests: one binary, so the suite links once. Each module drives the real
//! server over HTTP on its own fresh database.

mod helpers;

mod batching;
mod connections;
mod explain;
mod http;
mod links;
mod plans;
mod schema_file;
mod users;
