//! Integration tests: one binary, so the suite links once. Each module drives the real
//! server over HTTP on its own fresh database.

mod documents;
mod helpers;
mod postgres_skips;

mod access;
mod bad_input;
mod batching;
mod binary;
mod canonical_schema;
mod cli;
mod conformance;
mod connections;

mod error_status;
mod explain;
mod faults;
mod fuzz;
mod history;
mod http;
mod limits;
mod line_length;
mod memberships;
mod metrics;
mod migrate;
mod model;
mod pagination;
mod permissions;
mod plans;
mod playground;
mod races;
mod readme_map;
mod schema_file;
mod shutdown;
mod sign_in;
mod sign_in_keys;
mod subscriptions;
mod text;
mod timeouts;
mod users;
mod visibility;
mod websocket;
mod ws_client;
