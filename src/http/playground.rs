//! The GraphiQL playground. Built from `playground/` (npm packages bundled with Vite) it is
//! embedded in the binary and works offline under a strict Content-Security-Policy;
//! without the bundle, a page that loads pinned production builds from a CDN stands in.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

include!(concat!(env!("OUT_DIR"), "/playground_files.rs"));

/// Scripts and styles only from this server; the page talks to this server only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; \
     connect-src 'self' ws: wss:; worker-src 'self' blob:; frame-ancestors 'none'";

pub fn page() -> Response {
    match file("index.html") {
        Some(index) => {
            let mut response = Html(index).into_response();
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
            response
        }
        None => Html(CDN_PAGE).into_response(),
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

fn file(name: &str) -> Option<&'static [u8]> {
    FILES
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, bytes)| *bytes)
}

/// The stand-in page: production builds at pinned versions, subscriptions over
/// `graphql-transport-ws`.
const CDN_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>userplan</title>
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  <link rel="stylesheet" href="https://unpkg.com/graphiql@3.8.3/graphiql.min.css">
  <script crossorigin src="https://unpkg.com/react@18.3.1/umd/react.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphql-ws@5.16.0/umd/graphql-ws.min.js"></script>
  <script crossorigin src="https://unpkg.com/graphiql@3.8.3/graphiql.min.js"></script>
</head>
<body>
  <div id="graphiql">Loading GraphiQL from unpkg.com (build the playground bundle to serve it offline)…</div>
  <script>
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const fetcher = GraphiQL.createFetcher({
      url: location.origin + '/graphql',
      wsClient: graphqlWs.createClient({ url: scheme + '://' + location.host + '/graphql/ws' }),
    });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultEditorToolsVisibility: true }),
    );
  </script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundle_is_embedded_when_built() {
        let built = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("playground/dist/index.html")
            .exists();
        assert_eq!(super::file("index.html").is_some(), built);
        assert_eq!(cfg!(bundled_playground), built);
    }
}
