//! Driving the real tablet app end to end: Xvfb, `tauri-driver` (over WebKitWebDriver), the debug
//! app binary with its own data directory, and an HQ server as a child process.
//!
//! Every process started here is owned by a guard that stops it on drop, panics included:
//! tauri-driver and Xvfb get SIGTERM (SIGKILL would leave WebKitWebDriver running, holding
//! inherited pipes open), HQ gets SIGKILL. Every child writes to a file in the session's log
//! directory, never to a pipe; when a test fails the guards print where things ran (display,
//! ports, data directory) and the tail of each log.
//!
//! Included with `#[path = "support/app.rs"] mod app;` so the other tests' `mod support;` does not
//! compile it.
#![allow(dead_code)]

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::fs::File;
use std::future::Future;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long one UI step (an element appearing, a text changing) may take before the test fails.
pub const STEP: Duration = Duration::from_secs(20);

/// One app session at a time: two cores, one shared display budget, and WebKitWebDriver sessions
/// that do not like company. Tests in this binary take this lock first.
static SERIAL: Mutex<()> = Mutex::new(());

/// The screen audit, one script for the real app and both browser suites.
const SCREEN_AUDIT: &str = include_str!("../../ui/e2e/screen-audit.js");

pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Set `BEATBOOK_SKIP_APP_E2E=1` to skip the real-app tests (no display stack installed).
pub fn skipped() -> bool {
    std::env::var_os("BEATBOOK_SKIP_APP_E2E").is_some_and(|v| v != "0" && !v.is_empty())
}

/// The `beatbook` CLI built for this test run.
pub fn beatbook_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_beatbook"))
}

/// The debug app binary, next to the CLI in the same target directory. Built by
/// `cargo build -p beatbook-app` after `npm run build` in ui/ (the app embeds ui/dist); this test
/// builds nothing itself.
pub fn app_bin() -> PathBuf {
    let bin =
        beatbook_bin().with_file_name(format!("beatbook-app{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the app binary {} is missing. Build it first: (cd ui && npm run build) && cargo build -p beatbook-app \
         (scripts/test.sh does both)",
        bin.display()
    );
    warn_if_stale(&bin);
    bin
}

/// A warning, not a failure: an app older than its sources is probably a forgotten rebuild.
fn warn_if_stale(bin: &Path) {
    let Ok(built) = bin.metadata().and_then(|m| m.modified()) else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let newer = ["src-tauri/src", "ui/dist"]
        .iter()
        .flat_map(|dir| walk(&root.join(dir)))
        .filter(|p| {
            p.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t > built)
        })
        .take(3)
        .collect::<Vec<_>>();
    if !newer.is_empty() {
        eprintln!(
            "app_e2e: WARNING: {} is older than {:?}: rebuild with (cd ui && npm run build) && cargo build -p beatbook-app",
            bin.display(),
            newer
        );
    }
}

/// Every file under `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// `tauri-driver` on PATH, or where `cargo install` puts it.
pub fn tauri_driver_bin() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|dir| dir.join("tauri-driver"))
        .find(|p| p.is_file());
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    on_path
        .or_else(|| {
            cargo_home
                .map(|h| h.join("bin/tauri-driver"))
                .filter(|p| p.is_file())
        })
        .unwrap_or_else(|| {
            panic!("tauri-driver is not installed: run scripts/deps.sh (cargo install tauri-driver --locked)")
        })
}

/// A port nobody listens on right now (the OS picks it; it is free again once we drop it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("pick a free port")
}

/// Polls `ready` every 50 ms until it is true, or panics after `timeout` with `what`.
pub fn wait_until(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn listening(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// The last `n` lines of a log file, for failure reports.
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| format!("(cannot read: {e})"));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

fn log_file(dir: &Path, name: &str) -> (File, PathBuf) {
    let path = dir.join(name);
    (File::create(&path).expect("create a log file"), path)
}

/// SIGTERM, then up to `grace` for the process to go, then SIGKILL. std only sends SIGKILL, and
/// the workspace forbids `unsafe`, so SIGTERM goes through kill(1).
fn terminate(child: &mut Child, grace: Duration) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let start = Instant::now();
    while start.elapsed() < grace {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// An X display for the app: `$DISPLAY` if its socket exists, otherwise our own Xvfb, which picks
/// a free display number itself (`-displayfd`) and is stopped on drop.
pub struct Display {
    pub name: String,
    xvfb: Option<Child>,
    log: Option<PathBuf>,
}

impl Display {
    pub fn start(log_dir: &Path) -> Display {
        if let Some(name) = usable_display() {
            return Display {
                name,
                xvfb: None,
                log: None,
            };
        }
        let (number_file, number_path) = log_file(log_dir, "xvfb-display");
        let (err, err_path) = log_file(log_dir, "xvfb.log");
        let child = Command::new("Xvfb")
            // -displayfd 1: pick a free display and write its number to stdout (our file).
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1920x1200x24",
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(number_file)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start Xvfb ({e}): run scripts/deps.sh"));
        let mut display = Display {
            name: String::new(),
            xvfb: Some(child),
            log: Some(err_path.clone()),
        };
        let start = Instant::now();
        loop {
            let text = std::fs::read_to_string(&number_path).unwrap_or_default();
            if text.ends_with('\n') {
                display.name = format!(":{}", text.trim());
                break;
            }
            if let Some(Ok(Some(status))) = display.xvfb.as_mut().map(|c| c.try_wait()) {
                panic!("Xvfb exited ({status}):\n{}", tail(&err_path, 20));
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "Xvfb did not report a display within 20 s:\n{}",
                tail(&err_path, 20)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        display
    }
}

fn usable_display() -> Option<String> {
    let name = std::env::var("DISPLAY").ok()?;
    let number = name.strip_prefix(':')?.split('.').next()?;
    Path::new(&format!("/tmp/.X11-unix/X{number}"))
        .exists()
        .then_some(name)
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(child) = self.xvfb.as_mut() {
            terminate(child, Duration::from_secs(5));
        }
        if std::thread::panicking() {
            if let Some(log) = &self.log {
                eprintln!(
                    "--- Xvfb {} log ({}):\n{}",
                    self.name,
                    log.display(),
                    tail(log, 20)
                );
            }
        }
    }
}

/// `tauri-driver` on free ports; the app it launches inherits `env` (tauri:options has no `env`).
pub struct Driver {
    pub port: u16,
    pub native_port: u16,
    child: Child,
    log: PathBuf,
}

impl Driver {
    pub fn start(display: &Display, env: &[(&str, &Path)], log_dir: &Path) -> Driver {
        let port = free_port();
        let native_port = loop {
            let p = free_port();
            if p != port {
                break p;
            }
        };
        let (out, log) = log_file(log_dir, "tauri-driver.log");
        let err = out.try_clone().expect("clone a log file handle");
        let mut cmd = Command::new(tauri_driver_bin());
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("DISPLAY", &display.name)
        // The app's own logging, should it print any (its stdout is swallowed under the driver).
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("start tauri-driver");
        let mut driver = Driver {
            port,
            native_port,
            child,
            log,
        };
        // Both: tauri-driver listens at once, WebKitWebDriver (which it starts) a moment later,
        // and a session asked for before then is refused.
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let native: SocketAddr = ([127, 0, 0, 1], native_port).into();
        let start = Instant::now();
        while !(listening(addr) && listening(native)) {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("tauri-driver exited ({status}):\n{}", tail(&driver.log, 30));
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "tauri-driver did not listen on {addr}, with WebKitWebDriver on {native}, within 20 s:\n{}",
                tail(&driver.log, 30)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        terminate(&mut self.child, Duration::from_secs(10));
        if std::thread::panicking() {
            eprintln!(
                "--- tauri-driver on port {} (WebKitWebDriver on {}), log {}:\n{}",
                self.port,
                self.native_port,
                self.log.display(),
                tail(&self.log, 40)
            );
        }
    }
}

/// Where screenshots go: always under the target directory; also into docs/screenshots when
/// `BEATBOOK_UPDATE_SCREENSHOTS=1` (the README shows those).
pub fn screenshot_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots")];
    if std::env::var("BEATBOOK_UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"));
    }
    dirs
}

/// The real app, launched by tauri-driver on its own display with a fresh data directory.
/// Field order is drop order: the session first, then the driver, then the display.
pub struct App {
    client: Option<Client>,
    driver: Driver,
    display: Display,
    /// The app's data directory (BEATBOOK_DATA_DIR).
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
    /// Extra lines for a failure report (HQ address, seeds...).
    notes: Vec<String>,
}

impl App {
    /// Starts the display, tauri-driver and the app; `work` holds the data and log directories.
    pub async fn launch(work: &Path) -> App {
        Self::launch_with(work, &[]).await
    }

    /// As [`App::launch`], with more environment for the app (e.g. the start-up probe).
    pub async fn launch_with(work: &Path, extra_env: &[(&str, &Path)]) -> App {
        let app = app_bin();
        let data_dir = work.join("app-data");
        let log_dir = work.join("logs");
        std::fs::create_dir_all(&log_dir).unwrap();
        // A second launch on the same work directory reopens the same data (a restarted app);
        // each launch logs into its own directory.
        let log_dir = (1..)
            .map(|n| log_dir.join(format!("launch-{n}")))
            .find(|d| !d.exists())
            .unwrap();
        std::fs::create_dir_all(&log_dir).unwrap();
        let display = Display::start(&log_dir);
        let mut env = vec![("BEATBOOK_DATA_DIR", data_dir.as_path())];
        env.extend_from_slice(extra_env);
        let driver = Driver::start(&display, &env, &log_dir);
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            json!({ "application": app.to_str().expect("a UTF-8 path") }),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(caps);
        let url = driver.url();
        let session = builder.connect(&url);
        let client = match tokio::time::timeout(Duration::from_secs(60), session).await {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => panic!(
                "no WebDriver session with the app ({e}); tauri-driver log:\n{}",
                tail(&driver.log, 40)
            ),
            Err(_) => panic!(
                "no WebDriver session with the app within 60 s; tauri-driver log:\n{}",
                tail(&driver.log, 40)
            ),
        };
        App {
            client: Some(client),
            driver,
            display,
            data_dir,
            log_dir,
            notes: Vec::new(),
        }
    }

    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is open")
    }

    /// A line printed if the test fails (ports, seeds, what HQ holds).
    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    /// Ends the WebDriver session, which closes the app.
    pub async fn close(mut self) {
        if let Some(client) = self.client.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
        }
    }

    /// Waits for a CSS selector to match, with a readable failure.
    pub async fn css(&self, selector: &str) -> Element {
        self.eventually(
            &format!("an element matching `{selector}`"),
            || async move { self.client().find(Locator::Css(selector)).await.ok() },
        )
        .await
    }

    /// Waits for the element with ARIA `role` and accessible name `name` (exact, whitespace
    /// collapsed), as Testing Library's `getByRole` would find it: roles implicit in the tag count
    /// (button, link, textbox, heading, checkbox, radio, combobox, status, alert...), names come
    /// from aria-label, aria-labelledby, a <label>, or the text. Hidden elements are skipped.
    pub async fn by_role(&self, role: &str, name: &str) -> Element {
        self.eventually(&format!("the {role} named {name:?}"), || async move {
            self.pick(role, Some(name)).await
        })
        .await
    }

    /// Waits for an element of `role` whose text contains `text` (e.g. a status or list item).
    pub async fn role_containing(&self, role: &str, text: &str) -> Element {
        self.eventually(&format!("a {role} containing {text:?}"), || async move {
            self.pick_containing(role, text).await
        })
        .await
    }

    /// Waits for a CSS selector to match an element whose text contains `text`.
    pub async fn css_text(&self, selector: &str, text: &str) -> Element {
        self.eventually(
            &format!("`{selector}` to contain {text:?}"),
            || async move {
                let el = self.client().find(Locator::Css(selector)).await.ok()?;
                el.text().await.ok()?.contains(text).then_some(el)
            },
        )
        .await
    }

    /// Waits for an element of `role` whose accessible name starts with `prefix` and contains
    /// `text` (e.g. a list entry "Open record: <title>").
    pub async fn role_named_containing(&self, role: &str, prefix: &str, text: &str) -> Element {
        self.eventually(
            &format!("a {role} named {prefix:?}… containing {text:?}"),
            || async move {
                self.run_picker(role, json!({ "prefix": prefix, "contains": text }))
                    .await
            },
        )
        .await
    }

    /// Like [`App::role_named_containing`], without waiting: `None` if nothing matches now.
    pub async fn find_named_containing(
        &self,
        role: &str,
        prefix: &str,
        text: &str,
    ) -> Option<Element> {
        self.run_picker(role, json!({ "prefix": prefix, "contains": text }))
            .await
    }

    /// Waits until the page's visible text contains `text`.
    pub async fn text_appears(&self, text: &str) {
        self.eventually(&format!("the text {text:?} on screen"), || async move {
            let body = self.client().find(Locator::Css("body")).await.ok()?;
            body.text().await.ok()?.contains(text).then_some(())
        })
        .await
    }

    /// The page's visible text, for assertions and failure messages.
    pub async fn page_text(&self) -> String {
        match self.client().find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(e) => format!("(no body: {e})"),
        }
    }

    /// Clicks the button (or link) with this accessible name.
    pub async fn click(&self, role: &str, name: &str) {
        let el = self.by_role(role, name).await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("cannot click the {role} {name:?}: {e}"));
    }

    /// Types into the field (text box, number, search) with this accessible name, cleared first.
    pub async fn fill(&self, name: &str, text: &str) {
        let el = self.by_role("textbox|spinbutton|searchbox", name).await;
        let _ = el.clear().await;
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {name:?}: {e}"));
    }

    /// Chooses the option with this value in the drop-down with this accessible name.
    pub async fn select_value(&self, name: &str, value: &str) {
        let el = self.by_role("combobox|listbox", name).await;
        el.select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("cannot choose the value {value:?} in {name:?}: {e}"));
    }

    /// Chooses the option labelled `option` in the drop-down with this accessible name.
    pub async fn select(&self, name: &str, option: &str) {
        let el = self.by_role("combobox|listbox", name).await;
        el.select_by_label(option)
            .await
            .unwrap_or_else(|e| panic!("cannot choose {option:?} in {name:?}: {e}"));
    }

    /// Ticks (or unticks) the checkbox or radio button with this accessible name.
    pub async fn check(&self, name: &str, on: bool) {
        let el = self.by_role("checkbox|radio", name).await;
        if el.is_selected().await.unwrap_or(false) != on {
            el.click()
                .await
                .unwrap_or_else(|e| panic!("cannot tick {name:?}: {e}"));
        }
    }

    /// Polls `probe` until it returns `Some`, for up to [`STEP`]; on timeout fails with `what` and
    /// the page's text.
    pub async fn eventually<T, F, Fut>(&self, what: &str, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let start = Instant::now();
        loop {
            if let Some(found) = probe().await {
                return found;
            }
            if start.elapsed() > STEP {
                let text = self.page_text().await;
                let _ = self.screenshot("failure").await;
                panic!(
                    "timed out after {STEP:?} waiting for {what}. The page says:\n{text}\n(a screenshot is in {})",
                    screenshot_dirs()[0].join("failure.png").display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Resizes the app's window (the tablet held in landscape or portrait).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client()
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("cannot resize the window to {width}x{height}: {e}"));
        // The layout follows the window on the next frames.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    /// Taps the button with this accessible name twice, as fast as an impatient finger: two clicks
    /// in one go, before the page can answer the first.
    pub async fn double_tap(&self, name: &str) {
        let el = self.by_role("button", name).await;
        self.client()
            .execute(
                "const b = arguments[0]; b.click(); b.click();",
                vec![serde_json::to_value(&el).expect("an element reference")],
            )
            .await
            .unwrap_or_else(|e| panic!("cannot double-tap {name:?}: {e}"));
    }

    /// How many records in the Records list mention `text` (the list as it is now).
    pub async fn records_mentioning(&self, text: &str) -> usize {
        let found = self
            .client()
            .execute(
                "return [...document.querySelectorAll('button')].filter((b) => \
                 (b.getAttribute('aria-label') || '').startsWith('Open record: ') && \
                 (b.getAttribute('aria-label') + ' ' + b.innerText).includes(arguments[0])).length;",
                vec![json!(text)],
            )
            .await
            .unwrap_or_else(|e| panic!("cannot count the records: {e}"));
        found.as_u64().unwrap_or(0) as usize
    }

    /// Goes to a page of the app by its hash route (`#/records`).
    pub async fn goto(&self, route: &str) {
        self.client()
            .execute("location.hash = arguments[0];", vec![json!(route)])
            .await
            .unwrap_or_else(|e| panic!("cannot go to {route}: {e}"));
    }

    /// Runs the screen audit (ui/e2e/screen-audit.js, shared with the browser suites) on the page:
    /// the shell scrolled away, text that looks like JSON, ids, ISO dates or error codes, controls
    /// under 44 px. `allow`: regexes of text that may look technical here (Settings → About).
    pub async fn audit(&self, allow: &[&str]) -> Vec<String> {
        let script = format!("return ({SCREEN_AUDIT})(arguments[0]);");
        let found = self
            .client()
            .execute(&script, vec![json!({ "header": "header", "allow": allow })])
            .await
            .unwrap_or_else(|e| panic!("the screen audit did not run: {e}"));
        serde_json::from_value(found).expect("the audit answers a list of problems")
    }

    /// Scrolls the page and its main region back to the top (before a screenshot).
    pub async fn scroll_to_top(&self) {
        let _ = self
            .client()
            .execute(
                "window.scrollTo(0, 0); for (const el of document.querySelectorAll('main')) el.scrollTo(0, 0);",
                vec![],
            )
            .await;
    }

    /// Saves a PNG of the window as `<name>.png` (see [`screenshot_dirs`]).
    pub async fn screenshot(&self, name: &str) -> std::io::Result<()> {
        // Let the page paint what the DOM already says: WebKit's snapshot can lag a frame or two.
        let _ = self
            .client()
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self
            .client()
            .screenshot()
            .await
            .map_err(std::io::Error::other)?;
        for dir in screenshot_dirs() {
            std::fs::create_dir_all(&dir)?;
            std::fs::write(dir.join(format!("{name}.png")), &png)?;
        }
        Ok(())
    }

    async fn pick(&self, role: &str, name: Option<&str>) -> Option<Element> {
        self.run_picker(
            role,
            name.map(|n| json!({ "exact": n })).unwrap_or(Value::Null),
        )
        .await
    }

    async fn pick_containing(&self, role: &str, text: &str) -> Option<Element> {
        self.run_picker(role, json!({ "contains": text })).await
    }

    /// Runs [`PICKER`] in the page; it tags the match with a fresh `data-e2e-pick` value that we
    /// then find by CSS.
    async fn run_picker(&self, role: &str, name: Value) -> Option<Element> {
        let tag = format!(
            "{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        let found = self
            .client()
            .execute(PICKER, vec![json!(role), name, json!(tag)])
            .await
            .ok()?;
        if found != json!(true) {
            return None;
        }
        self.client()
            .find(Locator::Css(&format!("[data-e2e-pick=\"{tag}\"]")))
            .await
            .ok()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "--- app session: display {}, tauri-driver port {}, data dir {}, logs {}",
                self.display.name,
                self.driver.port,
                self.data_dir.display(),
                self.log_dir.display()
            );
            for n in &self.notes {
                eprintln!("--- {n}");
            }
        }
        // The session is ended by dropping the client; tauri-driver's SIGTERM then closes the
        // app and WebKitWebDriver.
        self.client.take();
    }
}

/// In-page lookup by role and accessible name (a small subset of the ARIA name computation,
/// enough for a UI that labels every control). Arguments: role (or roles, `a|b`),
/// {exact}|{contains}|null, tag.
const PICKER: &str = r#"
const [role, want, tag] = arguments;
const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
const implicit = (el) => {
  const t = el.tagName.toLowerCase();
  const type = (el.getAttribute('type') || '').toLowerCase();
  if (t === 'button' || (t === 'input' && ['button', 'submit', 'reset'].includes(type))) return 'button';
  if (t === 'a' && el.hasAttribute('href')) return 'link';
  if (/^h[1-6]$/.test(t)) return 'heading';
  if (t === 'input' && type === 'checkbox') return 'checkbox';
  if (t === 'input' && type === 'radio') return 'radio';
  if (t === 'input' && ['search'].includes(type)) return 'searchbox';
  if (t === 'input' && type === 'number') return 'spinbutton';
  if (t === 'input' && ['', 'text', 'email', 'tel', 'url', 'password'].includes(type)) return 'textbox';
  if (t === 'textarea') return 'textbox';
  if (t === 'select') return el.multiple || el.size > 1 ? 'listbox' : 'combobox';
  if (t === 'li') return 'listitem';
  if (t === 'ul' || t === 'ol') return 'list';
  if (t === 'nav') return 'navigation';
  if (t === 'main') return 'main';
  if (t === 'form') return 'form';
  if (t === 'dialog') return 'dialog';
  if (t === 'table') return 'table';
  if (t === 'tr') return 'row';
  if (t === 'section' && (el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby'))) return 'region';
  if (t === 'article') return 'article';
  if (t === 'output') return 'status';
  if (t === 'progress') return 'progressbar';
  return null;
};
const roleOf = (el) => (el.getAttribute('role') || '').split(' ')[0] || implicit(el);
const nameOf = (el) => {
  const lb = el.getAttribute('aria-labelledby');
  if (lb) return norm(lb.split(/\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' '));
  const al = el.getAttribute('aria-label');
  if (al) return norm(al);
  if (el.labels && el.labels.length) return norm([...el.labels].map((l) => l.textContent).join(' '));
  const t = el.tagName.toLowerCase();
  if (t === 'input' && ['button', 'submit', 'reset'].includes((el.type || '').toLowerCase())) return norm(el.value);
  if (['input', 'textarea', 'select'].includes(t)) return norm(el.getAttribute('title') || el.getAttribute('placeholder'));
  if (t === 'img') return norm(el.getAttribute('alt'));
  return norm(el.textContent);
};
const visible = (el) => {
  if (el.closest('[hidden], [aria-hidden="true"], [inert]')) return false;
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return s.visibility !== 'hidden' && s.display !== 'none' && (r.width > 0 || r.height > 0);
};
for (const el of document.querySelectorAll('[data-e2e-pick]')) el.removeAttribute('data-e2e-pick');
for (const el of document.querySelectorAll('*')) {
  if (!role.split('|').includes(roleOf(el)) || !visible(el)) continue;
  if (want) {
    // {exact}: the accessible name; {prefix, contains}: the name starts with / contains;
    // {contains} alone: the element's text contains.
    const byName = want.exact !== undefined || want.prefix !== undefined;
    const name = byName ? nameOf(el) : norm(el.textContent);
    if (want.exact !== undefined && name !== norm(want.exact)) continue;
    if (want.prefix !== undefined && !name.startsWith(norm(want.prefix))) continue;
    if (want.contains !== undefined && !name.includes(norm(want.contains))) continue;
  }
  el.setAttribute('data-e2e-pick', tag);
  return true;
}
return false;
"#;

/// HQ as a child process on a fixed address (so it can stop and come back where the device
/// expects it), with its own SQLite database and the demo data. Stopped (SIGKILL) on drop.
pub struct Hq {
    pub addr: SocketAddr,
    pub db: String,
    child: Option<Child>,
    log: PathBuf,
}

pub const DEMO_PASSWORD: &str = "demo-password-2026";

impl Hq {
    /// Seeds the demo data into `<dir>/hq.db`; the server is not started yet.
    pub fn prepare(dir: &Path) -> Hq {
        std::fs::create_dir_all(dir).expect("create HQ's directory");
        let db = format!("sqlite:{}", dir.join("hq.db").display());
        let hq = Hq {
            addr: ([127, 0, 0, 1], free_port()).into(),
            db,
            child: None,
            log: dir.join("hq.log"),
        };
        hq.admin(&["seed-demo", "--password", DEMO_PASSWORD, "--no-activity"]);
        hq
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// HQ's key for data at rest: with none configured, HQ made `<db>.key` beside the database
    /// when it was seeded (see `beatbook_hq::keys`).
    pub fn key(&self) -> beatbook_hq::keys::HqKey {
        let db = self
            .db
            .strip_prefix("sqlite:")
            .expect("an embedded database");
        beatbook_hq::keys::HqKey::read_file(Path::new(&format!("{db}.key"))).unwrap()
    }

    /// `beatbook hq --db DB admin ARGS...`, which must succeed; its stdout.
    pub fn admin(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(beatbook_bin());
        cmd.args(["hq", "--db", &self.db, "admin"]).args(args);
        let what = format!("beatbook hq admin {args:?}");
        ok(&what, output_within(cmd, &what, COMMAND_TIMEOUT))
    }

    /// A fresh one-time enrolment code.
    pub fn enrolment_code(&self) -> String {
        self.admin(&["enrolment-code"]).trim().to_owned()
    }

    /// Starts serving on [`Hq::addr`] and waits until it accepts connections.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "HQ is already running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("open HQ's log");
        let err = log.try_clone().unwrap();
        let child = Command::new(beatbook_bin())
            .args([
                "hq",
                "--db",
                &self.db,
                "serve",
                "--listen",
                &self.addr.to_string(),
            ])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .expect("start HQ");
        self.child = Some(child);
        let start = Instant::now();
        while !listening(self.addr) {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("HQ exited ({status}):\n{}", tail(&self.log, 30));
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "HQ did not listen on {} within 20 s:\n{}",
                self.addr,
                tail(&self.log, 30)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops HQ (SIGKILL: as unreachable as a lost signal gets).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// A staff member signed in to HQ's dashboard API (`POST /api/v1/hq/login`), with the
    /// demo password.
    pub async fn staff(&self, collar: &str) -> Staff {
        let client = reqwest::Client::new();
        let url = self.url();
        let session: Value = ok_json(
            &format!("{collar} signing in to HQ"),
            client
                .post(format!("{url}/api/v1/hq/login"))
                .json(&json!({"collar_number": collar, "password": DEMO_PASSWORD})),
        )
        .await;
        let token = session["token"]
            .as_str()
            .unwrap_or_else(|| panic!("HQ's sign-in answered no token: {session}"))
            .to_owned();
        Staff { client, url, token }
    }
}

/// A staff member's session on HQ's dashboard API: JSON calls with their bearer token.
pub struct Staff {
    client: reqwest::Client,
    url: String,
    token: String,
}

impl Staff {
    /// `GET /api/v1/hq/<path>`, which must succeed; its JSON.
    pub async fn get(&self, path: &str) -> Value {
        let req = self
            .client
            .get(format!("{}/api/v1/hq/{path}", self.url))
            .bearer_auth(&self.token);
        ok_json(&format!("GET {path}"), req).await
    }

    /// `POST /api/v1/hq/<path>` with a JSON body, which must succeed; its JSON.
    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let req = self
            .client
            .post(format!("{}/api/v1/hq/{path}", self.url))
            .bearer_auth(&self.token)
            .json(body);
        ok_json(&format!("POST {path}"), req).await
    }
}

/// Sends `req` (within [`STEP`]) and reads a successful answer's JSON, failing with HQ's body.
async fn ok_json(what: &str, req: reqwest::RequestBuilder) -> Value {
    let resp = tokio::time::timeout(STEP, req.send())
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {STEP:?}"))
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert!(status.is_success(), "{what}: HQ answered {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {text}"))
}

impl Drop for Hq {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!(
                "--- HQ at {} ({}), log {}:\n{}",
                self.url(),
                self.db,
                self.log.display(),
                tail(&self.log, 30)
            );
        }
    }
}

/// How long one CLI command (an HQ admin command, a headless sync) may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);

/// Runs `cmd` to completion with its output in temporary files (no pipes to inherit), killing it
/// and failing after `timeout`. These run inside the test's async budget on one thread, where a
/// blocking wait with no limit could hang the suite.
pub fn output_within(mut cmd: Command, what: &str, timeout: Duration) -> Output {
    let out = tempfile::tempfile().expect("a temporary file");
    let err = tempfile::tempfile().expect("a temporary file");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for a command") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} did not finish within {timeout:?}; its output so far:\n{}\n{}",
                read_all(out),
                read_all(err)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: read_all(out).into_bytes(),
        stderr: read_all(err).into_bytes(),
    }
}

fn read_all(mut file: File) -> String {
    use std::io::{Read, Seek};
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.read_to_string(&mut text);
    text
}

/// Asserts a command succeeded; its stdout.
pub fn ok(what: &str, out: Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A headless device (the `beatbook device` CLI) in its own directory: a teammate's tablet, used
/// to see what HQ holds and shares.
pub struct HeadlessDevice {
    pub dir: PathBuf,
}

pub const HEADLESS_PIN: &str = "135790";

impl HeadlessDevice {
    /// Initialises, enrols with `hq` and signs in as `collar`.
    pub fn enrolled(dir: &Path, hq: &Hq, collar: &str) -> HeadlessDevice {
        let d = HeadlessDevice {
            dir: dir.to_path_buf(),
        };
        d.run(&["init", "--officer", collar, "--insecure-fast-kdf"]);
        d.run(&[
            "enrol",
            "--hq",
            &hq.url(),
            "--code",
            &hq.enrolment_code(),
            "--name",
            "e2e teammate",
        ]);
        d.run(&["login", "--collar", collar]);
        d
    }

    /// `beatbook device --data DIR ARGS...`, which must succeed; its stdout.
    pub fn run(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(beatbook_bin());
        cmd.arg("device")
            .arg("--data")
            .arg(&self.dir)
            .args(args)
            .env("BEATBOOK_PIN", HEADLESS_PIN)
            .env("BEATBOOK_PASSWORD", DEMO_PASSWORD);
        let what = format!("beatbook device {args:?}");
        ok(&what, output_within(cmd, &what, COMMAND_TIMEOUT))
    }

    /// Syncs, then lists everything this device holds (JSON rows).
    pub fn sync_and_list(&self) -> Vec<Value> {
        self.run(&["sync", "--json"]);
        let rows: Value = serde_json::from_str(&self.run(&["list", "--json", "--limit", "1000"]))
            .expect("list --json");
        rows.as_array().cloned().unwrap_or_default()
    }
}
