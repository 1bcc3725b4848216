//! The GraphQL layer: types and resolvers that translate between the contract and the
//! service layer. No SQL here.

pub mod access;
pub mod gate;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod persisted;
mod prefetch;
pub mod query;
pub mod schema;
pub mod subscription;
pub mod types;

use async_graphql::Context;
use sea_orm::DatabaseConnection;

use loaders::RequestLoader;

use crate::service::events::Events;

fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    ctx.data_unchecked()
}

fn events<'a>(ctx: &Context<'a>) -> &'a Events {
    ctx.data_unchecked()
}

fn loader<'a>(ctx: &Context<'a>) -> &'a RequestLoader {
    ctx.data_unchecked()
}

/// The database, for a resolver about to write: the request's loader cache is dropped
/// first, so nothing read before the write is served after it.
fn db_for_write<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    loaders::forget_all(loader(ctx));
    db(ctx)
}
