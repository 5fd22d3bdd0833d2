//! HQ settings: defaults, then a TOML file, then `BEATBOOK_*` environment variables, then flags.

use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HqSettings {
    /// Where to listen, e.g. `127.0.0.1:8080`.
    pub listen: SocketAddr,
    /// `sqlite:PATH` (embedded, the default) or `postgres://...`.
    pub db: String,
    pub access_token_seconds: i64,
    pub refresh_token_days: i64,
    pub enrolment_code_hours: i64,
    /// Largest request body accepted, after decompression.
    pub max_body_bytes: usize,
    /// Most ops accepted in one push.
    pub max_push_ops: usize,
    /// Where photos are kept. Default: beside the SQLite database (`<db>-photos`), or
    /// `./photos` for PostgreSQL; several HQ processes of a force share one volume here.
    pub photos_dir: Option<std::path::PathBuf>,
}

impl Default for HqSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: "sqlite:beatbook-hq.db".into(),
            access_token_seconds: 3600,
            refresh_token_days: 30,
            enrolment_code_hours: 24,
            max_body_bytes: 64 * 1024 * 1024,
            max_push_ops: 20_000,
            photos_dir: None,
        }
    }
}

impl std::fmt::Debug for HqSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HqSettings")
            .field("listen", &self.listen)
            .field("db", &redact_db_url(&self.db))
            .field("access_token_seconds", &self.access_token_seconds)
            .field("refresh_token_days", &self.refresh_token_days)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`: never log a password.
pub fn redact_db_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl HqSettings {
    /// The directory photos are kept in (see [`HqSettings::photos_dir`] the field).
    pub fn photos_dir(&self) -> std::path::PathBuf {
        if let Some(dir) = &self.photos_dir {
            return dir.clone();
        }
        match self.db.strip_prefix("sqlite:") {
            Some(path) => {
                let path = std::path::Path::new(path);
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "beatbook-hq".into());
                path.with_file_name(format!("{stem}-photos"))
            }
            None => std::path::PathBuf::from("photos"),
        }
    }

    /// Defaults, overlaid with `file` (TOML) if given, then with `BEATBOOK_LISTEN`, `BEATBOOK_DB`.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, String> {
        let mut s = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => HqSettings::default(),
        };
        if let Ok(v) = std::env::var("BEATBOOK_LISTEN") {
            s.listen = v
                .parse()
                .map_err(|e| format!("BEATBOOK_LISTEN={v:?}: {e}"))?;
        }
        if let Ok(v) = std::env::var("BEATBOOK_DB") {
            s.db = v;
        }
        if let Ok(v) = std::env::var("BEATBOOK_PHOTOS_DIR") {
            s.photos_dir = Some(v.into());
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_passwords_never_reach_debug_output() {
        let s = HqSettings {
            db: "postgres://hq:s3cret@db.internal:5432/beatbook".into(),
            ..HqSettings::default()
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("hq:***@db.internal"),
            "{shown}"
        );
    }

    #[test]
    fn photos_live_beside_the_sqlite_database_unless_told() {
        let s = HqSettings {
            db: "sqlite:/var/lib/beatbook/hq.db".into(),
            ..HqSettings::default()
        };
        assert_eq!(
            s.photos_dir(),
            std::path::Path::new("/var/lib/beatbook/hq-photos")
        );
        let pg = HqSettings {
            db: "postgres://hq@db/beatbook".into(),
            ..HqSettings::default()
        };
        assert_eq!(pg.photos_dir(), std::path::Path::new("photos"));
        let set = HqSettings {
            photos_dir: Some("/mnt/photos".into()),
            ..pg
        };
        assert_eq!(set.photos_dir(), std::path::Path::new("/mnt/photos"));
    }

    #[test]
    fn a_settings_file_overrides_defaults_and_rejects_unknown_keys() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        std::fs::write(
            &f,
            "listen = \"127.0.0.1:9999\"\naccess_token_seconds = 300\n",
        )
        .unwrap();
        let s = HqSettings::load(Some(&f)).unwrap();
        assert_eq!(s.listen.port(), 9999);
        assert_eq!(s.access_token_seconds, 300);
        std::fs::write(&f, "listne = \"127.0.0.1:9999\"\n").unwrap();
        assert!(HqSettings::load(Some(&f)).unwrap_err().contains("listne"));
    }
}
