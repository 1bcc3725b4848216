//! The playground a browser gets from GET /graphql: the embedded bundle (under a strict
//! Content-Security-Policy) or, in a build without npm, the page that loads GraphiQL from a
//! CDN; both run `playground/src/playground.js` (default query, fetcher, notice), and both
//! are told when the server runs only its trusted documents.

use crate::helpers::*;
use crate::on_both_databases;

const TRUSTED_DOCUMENTS_FLAG: &str = r#"<meta name="userplan-trusted-documents" content="true">"#;

/// The modules both pages run, as they are in the repository.
fn shared_module(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playground/src");
    std::fs::read_to_string(path.join(name)).unwrap()
}

/// Which page this build serves, when the build was told (`.ci/run` requires the bundle).
fn expected_bundle() -> Option<bool> {
    match option_env!("USERPLAN_PLAYGROUND") {
        Some("bundle") => Some(true),
        Some("cdn") => Some(false),
        _ => None,
    }
}

struct Page {
    html: String,
    bundled: bool,
}

async fn page(app: &TestApp) -> Page {
    let response = app.browse("/graphql").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let bundled = response.headers().contains_key("content-security-policy");
    let html = response.text().await.unwrap();
    assert!(html.contains("<title>userplan</title>"), "{html}");
    Page { html, bundled }
}

async fn get(app: &TestApp, path: &str) -> (String, String) {
    let response = app.client().get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (content_type, response.text().await.unwrap())
}

/// What the `src` or `href` attributes of the page name under `/playground/assets/`.
fn assets(html: &str) -> Vec<&str> {
    html.split('"')
        .filter(|part| part.starts_with("/playground/assets/"))
        .collect()
}

on_both_databases!(browsers_get_a_playground_that_runs_the_shared_module);
async fn browsers_get_a_playground_that_runs_the_shared_module(app: TestApp) {
    let page = page(&app).await;
    if let Some(bundled) = expected_bundle() {
        assert_eq!(
            page.bundled, bundled,
            "USERPLAN_PLAYGROUND asked for the other page"
        );
    }
    assert!(!page.html.contains(TRUSTED_DOCUMENTS_FLAG), "{}", page.html);
    // The CDN page loads them from here; the bundle holds its own copy, and they are
    // served either way.
    for name in ["playground.js", "fetcher.js"] {
        let (content_type, source) = get(&app, &format!("/playground/src/{name}")).await;
        assert!(
            content_type.starts_with("text/javascript"),
            "{content_type}"
        );
        assert_eq!(source, shared_module(name), "{name}");
    }
    if page.bundled {
        let assets = assets(&page.html);
        assert!(!assets.is_empty(), "{}", page.html);
        let mut scripts = String::new();
        for asset in assets {
            let (content_type, body) = get(&app, asset).await;
            let kind = if asset.ends_with(".js") {
                "text/javascript"
            } else {
                "text/css"
            };
            assert!(content_type.starts_with(kind), "{asset}: {content_type}");
            scripts.push_str(&body);
        }
        // The shared module's texts are in the bundle.
        assert!(scripts.contains("# The userplan playground (GraphiQL)."));
        assert!(scripts.contains("This server runs only its trusted documents"));
    } else {
        assert!(page.html.contains("graphiql.min.js"), "{}", page.html);
        assert!(
            page.html
                .contains("import { mount } from '/playground/src/playground.js'"),
            "{}",
            page.html
        );
    }
}

on_both_databases!(with_trusted_documents_the_page_is_told);
async fn with_trusted_documents_the_page_is_told(app: TestApp) {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/typescript/src/gql/persisted-documents.json");
    let trusted = app
        .another_instance_with(&["--trusted-documents", manifest.to_str().unwrap()])
        .await;
    let page = page(&trusted).await;
    let head = &page.html[..page.html.find("</head>").expect("a head")];
    assert_eq!(
        head.matches(TRUSTED_DOCUMENTS_FLAG).count(),
        1,
        "{}",
        page.html
    );
    assert!(shared_module("playground.js").contains(r#"meta[name="userplan-trusted-documents"]"#));
}
