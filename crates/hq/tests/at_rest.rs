//! HQ's embedded store at rest: encrypted with SQLCipher under HQ's key, which comes from a file
//! or the environment (never a flag); a new database gets a key file of its own with a warning;
//! a wrong key and a plain (older) database are refused in words; `encrypt-db` turns a plain
//! database into an encrypted one that keeps everything it held.

use beatbook_hq::keys::{HqKey, LoadedKey};
use beatbook_hq::storage::sqlite::{self, FileKind};
use beatbook_hq::{HqSettings, StorageError};
use std::path::Path;

fn settings_for(db: &Path) -> HqSettings {
    HqSettings {
        db: format!("sqlite:{}", db.display()),
        ..HqSettings::default()
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn holds(path: &Path, needle: &str) -> bool {
    std::fs::read(path)
        .map(|b| b.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .unwrap_or(false)
}

async fn officer_named(db: &str, key: &HqKey, collar: &str) -> Option<String> {
    let storage = beatbook_hq::open_storage(db, key).await.unwrap();
    storage
        .officer_by_collar(collar)
        .await
        .unwrap()
        .map(|r| r.officer.name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_hq_database_is_encrypted_under_its_own_key_file_and_refuses_another_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hq.db");
    let settings = settings_for(&path);
    let LoadedKey { key, warning } = HqKey::load(&settings, no_env).unwrap();
    assert!(
        warning
            .unwrap()
            .contains("Keep a copy somewhere other than beside the data"),
        "a new key file is announced"
    );
    assert!(dir.path().join("hq.db.key").exists());
    let storage = beatbook_hq::open_storage(&settings.db, &key).await.unwrap();
    beatbook_hq::admin::seed_demo(storage.as_ref(), "demo-password-1")
        .await
        .unwrap();
    let name = storage
        .officer_by_collar("PC4127")
        .await
        .unwrap()
        .unwrap()
        .officer
        .name;
    drop(storage);

    // On disk: an encrypted file, the officer's name nowhere in clear.
    assert_eq!(sqlite::file_kind(&path), FileKind::Encrypted);
    assert!(!holds(&path, &name));
    assert!(!holds(&dir.path().join("hq.db-wal"), &name));

    // Started again, the key file is found; HQ reads what it wrote.
    let again = HqKey::load(&settings, no_env).unwrap();
    assert!(again.warning.is_none());
    assert_eq!(
        officer_named(&settings.db, &again.key, "PC4127").await,
        Some(name)
    );

    // Another key is refused in words, never "file is not a database".
    let err = beatbook_hq::open_storage(&settings.db, &HqKey::random())
        .await
        .err()
        .unwrap();
    assert!(matches!(err, StorageError::WrongKey(_)), "{err:?}");
    let words = err.to_string();
    assert!(
        words.contains("the key does not open this database"),
        "{words}"
    );
    assert!(!words.contains("file is not a database"), "{words}");

    // Without its key file, the encrypted database is not given a new key: HQ says what to do.
    std::fs::rename(
        dir.path().join("hq.db.key"),
        dir.path().join("kept-elsewhere.key"),
    )
    .unwrap();
    let e = HqKey::load(&settings, no_env).unwrap_err();
    assert!(
        e.contains("is encrypted and no key for it was given"),
        "{e}"
    );
    assert!(!dir.path().join("hq.db.key").exists());
    // Given by file (db_key_file / BEATBOOK_HQ_KEY_FILE) or in the environment, it opens.
    let by_file = HqSettings {
        db_key_file: Some(dir.path().join("kept-elsewhere.key")),
        ..settings.clone()
    };
    let from_file = HqKey::load(&by_file, no_env).unwrap().key;
    assert!(officer_named(&settings.db, &from_file, "PC4127")
        .await
        .is_some());
    let hex = std::fs::read_to_string(dir.path().join("kept-elsewhere.key")).unwrap();
    let env = |name: &str| (name == "BEATBOOK_HQ_KEY").then(|| hex.trim().to_owned());
    let from_env = HqKey::load(&settings, env).unwrap().key;
    assert!(officer_named(&settings.db, &from_env, "PC4127")
        .await
        .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_database_is_refused_in_words_until_encrypt_db_encrypts_it_keeping_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hq.db");
    let settings = settings_for(&path);

    // A database as HQ kept it before encryption: plain. (Made here by exporting an encrypted
    // one to a plain file, as no HQ writes plain any more.)
    let made = dir.path().join("made.db");
    let first = HqKey::random();
    let storage = beatbook_hq::open_storage(&format!("sqlite:{}", made.display()), &first)
        .await
        .unwrap();
    beatbook_hq::admin::seed_demo(storage.as_ref(), "demo-password-1")
        .await
        .unwrap();
    drop(storage);
    let c = sqlite::connect(&made, &first).unwrap();
    c.execute(
        "ATTACH DATABASE ?1 AS plain KEY ''",
        [path.to_string_lossy()],
    )
    .unwrap();
    c.execute_batch("SELECT sqlcipher_export('plain'); DETACH DATABASE plain;")
        .unwrap();
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    drop(c);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", version)
        .unwrap();
    assert_eq!(sqlite::file_kind(&path), FileKind::Plain);
    assert!(
        holds(&path, "PC4127"),
        "the plain file holds its officers in clear"
    );

    // Refused in words, before any key is made for it...
    let e = HqKey::load(&settings, no_env).unwrap_err();
    assert!(
        e.contains("is not encrypted") && e.contains("beatbook hq admin encrypt-db"),
        "{e}"
    );
    assert!(!dir.path().join("hq.db.key").exists());
    // ...and by the storage itself, whatever key it is given.
    let err = beatbook_hq::open_storage(&settings.db, &HqKey::random())
        .await
        .err()
        .unwrap();
    assert!(matches!(err, StorageError::NotEncrypted(_)), "{err:?}");
    assert!(err.to_string().contains("encrypt-db"), "{err}");

    // encrypt-db: encrypted in place under the key, everything kept.
    let key = HqKey::random();
    sqlite::encrypt_plain(&path, &key).unwrap();
    assert_eq!(sqlite::file_kind(&path), FileKind::Encrypted);
    assert!(!holds(&path, "PC4127"));
    assert!(!dir.path().join("hq.db.encrypting").exists());
    let storage = beatbook_hq::open_storage(&settings.db, &key).await.unwrap();
    let officer = storage.officer_by_collar("PC4127").await.unwrap();
    assert!(officer.is_some(), "the officers are kept");
    // Not twice.
    assert!(sqlite::encrypt_plain(&path, &key).is_err());
}
