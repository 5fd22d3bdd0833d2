//! HQ settings: defaults, then a TOML file, then `BEATBOOK_*` environment variables, then flags.

use beatbook_domain::protocol::TabletPolicy;
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
    /// How password guessing is slowed down (`[sign_in]` in the TOML file).
    pub sign_in: SignInSettings,
    /// The force's name, as the board pack is headed.
    pub force_name: String,
    /// What every tablet gets at sign-in (`[tablets]` in the TOML file): the longest auto-lock
    /// an officer may choose and the map tile server.
    pub tablets: TabletPolicy,
}

/// Sign-in throttling, for devices and the dashboard alike (see `crate::throttle`). Defaults: 5
/// wrong passwords for one collar number within 15 minutes pause that collar number's sign-in
/// for 1 minute, then 2, 4, ... up to 1 hour; a device or network address gets 20.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct SignInSettings {
    /// Wrong passwords in a row for one collar number before its sign-in is paused.
    pub max_failures: u32,
    /// Wrong passwords from one device (or, at the dashboard, one network address), whatever the
    /// collar number, before sign-in from there is paused.
    pub client_max_failures: u32,
    /// Failures older than this no longer count towards a pause.
    pub window_seconds: i64,
    /// The first pause; each pause in a row doubles it.
    pub lockout_seconds: i64,
    /// The longest pause.
    pub max_lockout_seconds: i64,
    /// After this long without a failure, the doubling starts again from the first pause.
    pub forget_after_hours: i64,
    /// Take the dashboard client's address from the last `X-Forwarded-For` entry. Only behind a
    /// reverse proxy that sets it: otherwise every client could claim any address, and behind a
    /// proxy without it every browser shares the proxy's address.
    pub trust_forwarded_for: bool,
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            max_failures: 5,
            client_max_failures: 20,
            window_seconds: 15 * 60,
            lockout_seconds: 60,
            max_lockout_seconds: 60 * 60,
            forget_after_hours: 24,
            trust_forwarded_for: false,
        }
    }
}

impl SignInSettings {
    /// Overlay `BEATBOOK_SIGN_IN_*` variables (as `var` reads them), then check the whole.
    pub fn overlay_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), String> {
        fn set<T: std::str::FromStr>(
            var: &impl Fn(&str) -> Option<String>,
            name: &str,
            field: &mut T,
        ) -> Result<(), String>
        where
            T::Err: std::fmt::Display,
        {
            if let Some(v) = var(name) {
                *field = v.trim().parse().map_err(|e| format!("{name}={v:?}: {e}"))?;
            }
            Ok(())
        }
        set(
            &var,
            "BEATBOOK_SIGN_IN_MAX_FAILURES",
            &mut self.max_failures,
        )?;
        set(
            &var,
            "BEATBOOK_SIGN_IN_CLIENT_MAX_FAILURES",
            &mut self.client_max_failures,
        )?;
        set(
            &var,
            "BEATBOOK_SIGN_IN_WINDOW_SECONDS",
            &mut self.window_seconds,
        )?;
        set(
            &var,
            "BEATBOOK_SIGN_IN_LOCKOUT_SECONDS",
            &mut self.lockout_seconds,
        )?;
        set(
            &var,
            "BEATBOOK_SIGN_IN_MAX_LOCKOUT_SECONDS",
            &mut self.max_lockout_seconds,
        )?;
        set(
            &var,
            "BEATBOOK_SIGN_IN_FORGET_AFTER_HOURS",
            &mut self.forget_after_hours,
        )?;
        set(
            &var,
            "BEATBOOK_SIGN_IN_TRUST_FORWARDED_FOR",
            &mut self.trust_forwarded_for,
        )?;
        self.check()
    }

    /// Refuse settings that would switch throttling off or make no sense.
    pub fn check(&self) -> Result<(), String> {
        if self.max_failures == 0 || self.client_max_failures == 0 {
            return Err("sign_in: max_failures and client_max_failures must be at least 1".into());
        }
        if self.window_seconds <= 0 || self.lockout_seconds <= 0 || self.forget_after_hours <= 0 {
            return Err(
                "sign_in: window_seconds, lockout_seconds and forget_after_hours must be positive"
                    .into(),
            );
        }
        if self.max_lockout_seconds < self.lockout_seconds {
            return Err("sign_in: max_lockout_seconds must be at least lockout_seconds".into());
        }
        Ok(())
    }
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
            sign_in: SignInSettings::default(),
            force_name: "Metropolitan Police Service".into(),
            tablets: TabletPolicy::default(),
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
            .field("sign_in", &self.sign_in)
            .field("tablets", &self.tablets)
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

    /// Defaults, overlaid with `file` (TOML) if given, then with `BEATBOOK_LISTEN`, `BEATBOOK_DB`,
    /// `BEATBOOK_PHOTOS_DIR`, `BEATBOOK_SIGN_IN_*` (see [`SignInSettings::overlay_env`]) and
    /// `BEATBOOK_TABLET_MAX_AUTO_LOCK_MINUTES` / `BEATBOOK_TABLET_TILE_URL`.
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
        s.sign_in.overlay_env(|name| std::env::var(name).ok())?;
        if let Ok(v) = std::env::var("BEATBOOK_TABLET_MAX_AUTO_LOCK_MINUTES") {
            s.tablets.max_auto_lock_minutes = v
                .trim()
                .parse()
                .map_err(|e| format!("BEATBOOK_TABLET_MAX_AUTO_LOCK_MINUTES={v:?}: {e}"))?;
        }
        if let Ok(v) = std::env::var("BEATBOOK_TABLET_TILE_URL") {
            s.tablets.tile_url = Some(v).filter(|v| !v.trim().is_empty());
        }
        s.tablets.check().map_err(|e| format!("[tablets] {e}"))?;
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

    #[test]
    fn hq_sets_the_tablets_auto_lock_limit_and_tile_server_and_refuses_never() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        std::fs::write(
            &f,
            "[tablets]\nmax_auto_lock_minutes = 10\ntile_url = \"https://tiles.example/{z}/{x}/{y}.png\"\n",
        )
        .unwrap();
        let s = HqSettings::load(Some(&f)).unwrap();
        assert_eq!(s.tablets.max_auto_lock_minutes, 10);
        assert_eq!(
            s.tablets.tile_url.as_deref(),
            Some("https://tiles.example/{z}/{x}/{y}.png")
        );
        std::fs::write(&f, "[tablets]\nmax_auto_lock_minutes = 0\n").unwrap();
        let e = HqSettings::load(Some(&f)).unwrap_err();
        assert!(e.contains("always locks"), "{e}");
    }

    #[test]
    fn sign_in_throttling_is_on_by_default_and_set_by_file_or_environment() {
        let d = SignInSettings::default();
        assert_eq!((d.max_failures, d.lockout_seconds), (5, 60));
        assert!(d.check().is_ok());

        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("hq.toml");
        std::fs::write(
            &f,
            "[sign_in]\nmax_failures = 3\nlockout_seconds = 30\ntrust_forwarded_for = true\n",
        )
        .unwrap();
        let s = HqSettings::load(Some(&f)).unwrap().sign_in;
        assert_eq!((s.max_failures, s.lockout_seconds), (3, 30));
        assert!(s.trust_forwarded_for);
        assert_eq!(s.client_max_failures, d.client_max_failures);
        std::fs::write(&f, "[sign_in]\nmax_failure = 3\n").unwrap();
        assert!(HqSettings::load(Some(&f))
            .unwrap_err()
            .contains("max_failure"));

        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let mut s = SignInSettings::default();
        s.overlay_env(env(&[
            ("BEATBOOK_SIGN_IN_MAX_FAILURES", "8"),
            ("BEATBOOK_SIGN_IN_MAX_LOCKOUT_SECONDS", "7200"),
        ]))
        .unwrap();
        assert_eq!((s.max_failures, s.max_lockout_seconds), (8, 7200));
        let bad = SignInSettings::default()
            .overlay_env(env(&[("BEATBOOK_SIGN_IN_WINDOW_SECONDS", "soon")]))
            .unwrap_err();
        assert!(bad.contains("BEATBOOK_SIGN_IN_WINDOW_SECONDS"), "{bad}");
        // Throttling cannot be switched off by accident.
        let off = SignInSettings::default()
            .overlay_env(env(&[("BEATBOOK_SIGN_IN_MAX_FAILURES", "0")]))
            .unwrap_err();
        assert!(off.contains("max_failures"), "{off}");
    }
}
