//! Password guessing from a device, end to end: an HQ on 127.0.0.1:0 and a device signing in
//! through the real sync engine. After five wrong passwords the device is told, in words, when to
//! try again; the right password waits too.

mod support;

use beatbook_hq::HqSettings;
use beatbook_sync::SyncError;
use support::{device, start_hq, DEMO_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_is_told_in_words_when_it_may_try_again() {
    let hq = start_hq(HqSettings::default()).await;
    let d = device(&hq, "PC4127").await;
    d.engine.sign_out().await.unwrap();

    for _ in 0..4 {
        let err = d
            .engine
            .login("PC4127", "not-the-password")
            .await
            .unwrap_err();
        assert_eq!(err.code(), "sign_in_needed", "{err}");
        assert!(err.to_string().contains("password is wrong"), "{err}");
    }
    let err = d
        .engine
        .login("PC4127", "not-the-password")
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::Refused(_)), "{err:?}");
    assert!(!err.is_transient());
    let words = err.to_string();
    assert!(
        words.contains("too many wrong passwords") && words.contains("Try again in 1 minute"),
        "{words}"
    );

    let err = d.engine.login("PC4127", DEMO_PASSWORD).await.unwrap_err();
    assert!(err.to_string().contains("Try again in"), "{err}");
    // Other officers are not held up by it.
    device(&hq, "PS1102").await;
}
