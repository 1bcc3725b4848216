//! The GraphiQL playground. Built from `playground/` (npm packages bundled with Vite, see
//! build.rs) it is embedded in the binary and works offline under a strict
//! Content-Security-Policy; a binary built without npm serves a page that loads GraphiQL
//! from a CDN instead. Both run `playground/src/playground.js`: the same default query,
//! the same fetcher (the Headers tab's object is also the subscriptions' `connection_init`
//! payload), the same notice when the server runs only its trusted documents.

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/playground_files.rs"));

/// Scripts and styles only from this server; the page talks to this server only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self' ws: wss:; worker-src 'self' blob:; frame-ancestors 'none'";

/// What tells the page that documents typed in it will be refused.
const TRUSTED_DOCUMENTS_FLAG: &str = r#"<meta name="userplan-trusted-documents" content="true">"#;

/// The modules both pages run, served as they are for the CDN page (the bundle holds its
/// own copy).
const SHARED_MODULES: &[(&str, &str)] = &[
    (
        "playground.js",
        include_str!("../../playground/src/playground.js"),
    ),
    (
        "fetcher.js",
        include_str!("../../playground/src/fetcher.js"),
    ),
];

/// The playground page of one server, rendered once.
#[derive(Clone)]
pub struct Page {
    html: Bytes,
    bundled: bool,
}

impl Page {
    pub fn new(trusted_documents_only: bool) -> Self {
        let (template, bundled) = match file("index.html") {
            Some(index) => (String::from_utf8_lossy(index).into_owned(), true),
            None => (CDN_PAGE.to_owned(), false),
        };
        Page {
            html: Bytes::from(render(template, trusted_documents_only)),
            bundled,
        }
    }

    pub fn response(&self) -> Response {
        let mut response = Html(self.html.clone()).into_response();
        if self.bundled {
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
        }
        response
    }
}

/// The page from its template, telling it whether the server runs only trusted documents.
fn render(template: String, trusted_documents_only: bool) -> String {
    if trusted_documents_only {
        template.replacen("</head>", &format!("{TRUSTED_DOCUMENTS_FLAG}</head>"), 1)
    } else {
        template
    }
}

pub async fn asset(Path(name): Path<String>) -> Response {
    let Some(bytes) = file(&format!("assets/{name}")) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let content_type = match name.rsplit('.').next() {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("ttf") => "font/ttf",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Asset names carry a hash of their content.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response()
}

pub async fn shared_module(Path(name): Path<String>) -> Response {
    match SHARED_MODULES.iter().find(|(file, _)| *file == name) {
        Some((_, source)) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                // Same name, new content after an upgrade.
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *source,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn file(name: &str) -> Option<&'static [u8]> {
    FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, bytes)| *bytes)
}

/// The stand-in page: production builds at pinned versions (GraphiQL as in the bundle;
/// React 18 and graphql-ws 5, the last with builds for a script tag).
const CDN_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>userplan</title>
  <link rel="icon" href="data:,">
  <style>html, body, #root { height: 100%; margin: 0; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@4.1.2/graphiql.min.css">
  <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphql-ws@5.16.0/umd/graphql-ws.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@4.1.2/graphiql.min.js"></script>
  <script type="module">
    import { mount } from '/playground/src/playground.js';
    if (typeof GraphiQL === 'undefined' || typeof graphqlWs === 'undefined') {
      document.getElementById('root').textContent =
        'GraphiQL could not be loaded from unpkg.com. This server was built without npm, so ' +
        'its playground is not embedded: build it where npm is installed (see the README).';
    } else {
      mount({
        createElement: React.createElement,
        StrictMode: React.StrictMode,
        createRoot: ReactDOM.createRoot,
        GraphiQL,
        createClient: graphqlWs.createClient,
      });
    }
  </script>
</head>
<body>
  <div id="root">Loading GraphiQL from unpkg.com…</div>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_is_embedded_when_built() {
        assert_eq!(cfg!(bundled_playground), file("index.html").is_some());
        assert_eq!(Page::new(false).bundled, cfg!(bundled_playground));
    }

    /// The CDN page is checked here whatever this build serves; the integration tests
    /// check the page the build serves.
    #[test]
    fn the_cdn_page_runs_the_shared_module_and_carries_the_flag() {
        assert!(CDN_PAGE.contains("import { mount } from '/playground/src/playground.js'"));
        assert!(!render(CDN_PAGE.to_owned(), false).contains(TRUSTED_DOCUMENTS_FLAG));
        let flagged = render(CDN_PAGE.to_owned(), true);
        let head = &flagged[..flagged.find("</head>").unwrap()];
        assert_eq!(head.matches(TRUSTED_DOCUMENTS_FLAG).count(), 1);
    }
}
