//! Serves the dashboard page (`ui/dist/hq.html` and its assets, built by `cd ui && npm run build`)
//! with a strict Content Security Policy: scripts, styles and connections to this origin only,
//! no framing. The directory is `BEATBOOK_UI_DIST` if set, else `ui/dist` from where HQ runs.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::path::PathBuf;
use std::sync::Arc;

pub const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Where the built UI is.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("BEATBOOK_UI_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("ui/dist"))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// A file name as Vite writes them: no path separators, no `..`.
fn safe(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

async fn file(path: PathBuf, name: &str, immutable: bool) -> Response {
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut resp = bytes.into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(if immutable {
                    "public, max-age=31536000, immutable"
                } else {
                    "no-cache"
                }),
            );
            resp
        }
        Err(_) if name == "hq.html" => (
            StatusCode::NOT_FOUND,
            "The HQ dashboard has not been built: run `cd ui && npm run build`, or set BEATBOOK_UI_DIST",
        )
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// `/hq` (the page), `/assets/{file}` and `/favicon.svg`, from `dir`.
pub fn routes<S: Clone + Send + Sync + 'static>(dir: PathBuf) -> Router<S> {
    let dir = Arc::new(dir);
    let page = {
        let dir = dir.clone();
        move || {
            let dir = dir.clone();
            async move { file(dir.join("hq.html"), "hq.html", false).await }
        }
    };
    let asset = {
        let dir = dir.clone();
        move |Path(name): Path<String>| {
            let dir = dir.clone();
            async move {
                if !safe(&name) {
                    return StatusCode::NOT_FOUND.into_response();
                }
                file(dir.join("assets").join(&name), &name, true).await
            }
        }
    };
    let favicon = move || {
        let dir = dir.clone();
        async move { file(dir.join("favicon.svg"), "favicon.svg", false).await }
    };
    Router::new()
        .route("/hq", get(page.clone()))
        .route("/hq/", get(page))
        .route("/assets/{name}", get(asset))
        .route("/favicon.svg", get(favicon))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    #[tokio::test]
    async fn the_page_and_its_assets_are_served_with_a_strict_csp_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(
            dir.path().join("hq.html"),
            "<!doctype html><title>HQ</title>",
        )
        .unwrap();
        std::fs::write(dir.path().join("assets/hq-abc.js"), "export {}").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
        let app: Router = routes(dir.path().to_owned());
        let get = |uri: &str| {
            let app = app.clone();
            let uri = uri.to_owned();
            async move {
                app.oneshot(Request::get(uri).body(Body::empty()).unwrap())
                    .await
                    .unwrap()
            }
        };
        let page = get("/hq").await;
        assert_eq!(page.status(), StatusCode::OK);
        let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe"));
        assert_eq!(
            page.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let js = get("/assets/hq-abc.js").await;
        assert_eq!(js.status(), StatusCode::OK);
        assert!(js.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript"));
        for bad in [
            "/assets/..%2Fsecret.txt",
            "/assets/.hidden",
            "/assets/nope.js",
        ] {
            assert_eq!(get(bad).await.status(), StatusCode::NOT_FOUND, "{bad}");
        }
    }
}
