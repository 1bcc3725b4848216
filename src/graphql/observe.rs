//! The name of the operation a request runs, for its log span and its metrics. It is known
//! only once the document is parsed (a request need not name it), so an extension records
//! it where the HTTP layer can read it afterwards.

use std::sync::{Arc, Mutex};

use async_graphql::Response;
use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};

/// Where one request's operation name ends up.
#[derive(Clone, Default)]
pub struct OperationName(Arc<Mutex<Option<String>>>);

impl OperationName {
    /// A metrics label: the name, `anonymous`, or `other` for a name too long to be one
    /// of a frontend's own (names are client-chosen: this bounds what they can add).
    pub fn label(&self) -> String {
        match self.0.lock().expect("not poisoned").as_deref() {
            None => "anonymous".to_owned(),
            Some(name) if name.len() <= 64 => name.to_owned(),
            Some(_) => "other".to_owned(),
        }
    }
}

pub struct RecordOperation;

impl ExtensionFactory for RecordOperation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RecordOperation)
    }
}

#[async_trait::async_trait]
impl Extension for RecordOperation {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(name) = operation_name {
            tracing::Span::current().record("operation", name);
            if let Some(slot) = ctx.data_opt::<OperationName>() {
                *slot.0.lock().expect("not poisoned") = Some(name.to_owned());
            }
        }
        next.run(ctx, operation_name).await
    }
}
