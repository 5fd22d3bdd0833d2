//! Map tiles from the tile server set in Settings, fetched by the device (the UI's CSP allows no
//! remote content) and kept on it, so a map seen once still shows with no signal. Tiles are not
//! personal data: they live in the data directory, outside the encrypted store.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;

use crate::DeviceError;

/// Deepest zoom level asked for (street level).
const MAX_ZOOM: u8 = 19;
/// A tile is a small image; anything bigger is not one.
const MAX_TILE_BYTES: usize = 512 * 1024;

/// The tile `z/x/y` of `template` (`{z}`, `{x}`, `{y}` replaced), cached under `cache`.
pub async fn tile(
    template: &str,
    cache: &Path,
    z: u8,
    x: u32,
    y: u32,
) -> Result<String, DeviceError> {
    if z > MAX_ZOOM || u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << z {
        return Err(DeviceError::NoSuchTile { z, x, y });
    }
    let path = cached_path(cache, template, z, x, y);
    if let Ok(bytes) = tokio::fs::read(&path).await {
        if let Some(url) = data_url(&bytes) {
            return Ok(url);
        }
    }
    let unavailable = || DeviceError::TileUnreachable;
    let url = template
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(8))
        .user_agent(concat!("beatbook-app/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|_| unavailable())?;
    let resp = client.get(&url).send().await.map_err(|_| unavailable())?;
    if !resp.status().is_success() {
        return Err(unavailable());
    }
    let bytes = resp.bytes().await.map_err(|_| unavailable())?;
    if bytes.len() > MAX_TILE_BYTES {
        return Err(unavailable());
    }
    let data = data_url(&bytes).ok_or(DeviceError::NotATile)?;
    // Kept for next time; a tile that cannot be saved is still shown now.
    if let Some(dir) = path.parent() {
        let tmp = path.with_extension("part");
        let saved = tokio::fs::create_dir_all(dir).await.is_ok()
            && tokio::fs::write(&tmp, &bytes).await.is_ok()
            && tokio::fs::rename(&tmp, &path).await.is_ok();
        if !saved {
            let _ = tokio::fs::remove_file(&tmp).await;
        }
    }
    Ok(data)
}

/// Each tile server gets its own folder (a changed address never mixes tiles).
fn cached_path(cache: &Path, template: &str, z: u8, x: u32, y: u32) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    template.hash(&mut h);
    cache
        .join(format!("{:016x}", h.finish()))
        .join(z.to_string())
        .join(x.to_string())
        .join(y.to_string())
}

/// A `data:` URL for a PNG, JPEG or WebP image; `None` for anything else.
fn data_url(bytes: &[u8]) -> Option<String> {
    let mime = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        "image/webp"
    } else {
        return None;
    };
    Some(format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-tiny-tile";

    /// A tile server on 127.0.0.1 answering every request with `body`, counting requests.
    fn serve(body: &'static [u8]) -> (String, Arc<AtomicUsize>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { break };
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf);
                counter.fetch_add(1, Ordering::SeqCst);
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(head.as_bytes());
                let _ = s.write_all(body);
            }
        });
        (format!("http://{addr}/{{z}}/{{x}}/{{y}}.png"), hits)
    }

    #[tokio::test]
    async fn a_tile_is_fetched_once_then_served_from_the_tablet() {
        let (template, hits) = serve(PNG);
        let cache = tempfile::tempdir().unwrap();

        let first = tile(&template, cache.path(), 12, 2046, 1362).await.unwrap();
        assert!(first.starts_with("data:image/png;base64,"), "{first}");
        let second = tile(&template, cache.path(), 12, 2046, 1362).await.unwrap();
        assert_eq!(first, second);
        assert_eq!(
            hits.load(Ordering::SeqCst),
            1,
            "the second came from the tablet"
        );

        // With the server gone, the saved tile still shows and an unsaved one is a coded error.
        let gone = "http://127.0.0.1:9/{z}/{x}/{y}.png";
        let offline_cache = tempfile::tempdir().unwrap();
        let err = tile(gone, offline_cache.path(), 12, 2046, 1362)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::TileUnavailable);
    }

    #[tokio::test]
    async fn what_is_not_a_map_image_or_not_a_tile_is_refused() {
        let (template, _) = serve(b"<html>login page</html>");
        let cache = tempfile::tempdir().unwrap();
        let err = tile(&template, cache.path(), 3, 1, 1).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::TileUnavailable);
        assert!(walk_empty(cache.path()), "nothing saved");

        for (z, x, y) in [(20, 0, 0), (3, 8, 0), (3, 0, 8)] {
            let err = tile(&template, cache.path(), z, x, y).await.unwrap_err();
            assert_eq!(err.code(), ErrorCode::BadInput, "{z}/{x}/{y}");
        }
    }

    fn walk_empty(dir: &Path) -> bool {
        std::fs::read_dir(dir).unwrap().all(|e| {
            let p = e.unwrap().path();
            p.is_dir() && walk_empty(&p)
        })
    }
}
