//! The GraphQL layer: types and resolvers that translate between the contract and the
//! service layer. No SQL here.

pub mod access;
pub mod gate;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod nulls;
pub mod persisted;
mod prefetch;
pub mod query;
pub mod schema;
pub mod subscription;
pub mod types;

use async_graphql::{Context, Result};
use sea_orm::DatabaseConnection;

use loaders::RequestLoader;

use crate::auth::Viewer;
use crate::service::events::Events;
use crate::service::visibility::Visibility;

// What resolvers read from the schema's data and the request's. Read with `data()`, never
// `data_unchecked()`: a request that reached the schema without its state (a transport
// that forgot to attach it) gets an error, not a panic that takes its connection down.

fn db<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection> {
    ctx.data()
}

fn events<'a>(ctx: &Context<'a>) -> Result<&'a Events> {
    ctx.data()
}

fn loader<'a>(ctx: &Context<'a>) -> Result<&'a RequestLoader> {
    ctx.data()
}

/// What this request's reads may return, the same for every read it makes.
fn visibility(ctx: &Context<'_>) -> Result<Visibility> {
    Ok(loaders::visibility(loader(ctx)?))
}

/// Whose request this is.
fn viewer(ctx: &Context<'_>) -> Result<Viewer> {
    ctx.data().copied()
}

/// The database, for a resolver about to write: the request's loader cache is dropped
/// first, so nothing read before the write is served after it.
fn db_for_write<'a>(ctx: &Context<'a>) -> Result<&'a DatabaseConnection> {
    loaders::forget_all(loader(ctx)?);
    db(ctx)
}
