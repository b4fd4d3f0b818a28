//! Server text never controls the terminal: control characters (C0, DEL, C1) and bidirectional
//! overrides sent by a hostile server come out of every error as visible escapes, in the
//! fields, in `Display` and in `Debug`.

mod support;

use dbs_api::{Credentials, Error, RetryConfig, SignatureVersion};
use support::{Reply, Server, client, restore_task};

/// What must never reach a terminal raw, defined here independently of the SDK: C0 controls,
/// DEL, C1 controls, and the "Trojan Source" bidirectional embeddings, overrides and isolates.
fn is_dangerous(c: char) -> bool {
    let c = u32::from(c);
    c < 0x20
        || (0x7f..=0x9f).contains(&c)
        || (0x202a..=0x202e).contains(&c)
        || (0x2066..=0x2069).contains(&c)
}

#[track_caller]
fn assert_safe(what: &str, text: &str) {
    assert!(
        !text.chars().any(is_dangerous),
        "{what} holds a raw control character: {text:?}"
    );
}

async fn provoke(reply: Reply) -> Error {
    let server = Server::scripted(vec![reply]).await;
    let client = client(
        &server,
        Credentials::new("testid", "testsecret"),
        SignatureVersion::V3,
    );
    restore_task(&client)
        .retry_config(RetryConfig::disabled())
        .send()
        .await
        .expect_err("the server fails the call")
}

#[tokio::test]
async fn control_sequences_in_a_service_error_are_escaped() {
    // A window-title OSC, clear-screen, backspace, a C1 CSI and a right-to-left override.
    let body = serde_json::json!({
        "Code": "Bad\u{1b}]0;pwned\u{7}",
        "Message": "\u{1b}[2J\u{8}\u{8}ok \u{9b}31m \u{202e}txt.exe\u{2066}",
        "RequestId": "req\u{7f}\r\n-1",
        "HostId": "\u{1b}[1A",
        "Recommend": "https://x/\u{2069}",
    });
    let error = provoke(Reply::json(400, &body.to_string())).await;
    let Some(service) = error.as_service_error() else {
        panic!("expected a service error: {error:?}");
    };
    assert_eq!(service.code, "Bad\\u{1b}]0;pwned\\u{7}");
    assert_eq!(
        service.message,
        "\\u{1b}[2J\\u{8}\\u{8}ok \\u{9b}31m \\u{202e}txt.exe\\u{2066}"
    );
    assert_eq!(service.request_id.as_deref(), Some("req\\u{7f}\\r\\n-1"));
    assert_eq!(service.host_id.as_deref(), Some("\\u{1b}[1A"));
    assert_eq!(service.recommend.as_deref(), Some("https://x/\\u{2069}"));
    assert_safe("Display", &error.to_string());
    assert_safe("Debug", &format!("{error:?}"));
    // The alternate form's own line breaks are the SDK's, not the server's.
    assert_safe("Debug, alternate", &format!("{error:#?}").replace('\n', ""));
}

#[tokio::test]
async fn control_sequences_in_a_business_error_and_a_page_are_escaped() {
    let business = serde_json::json!({
        "Success": false,
        "ErrCode": "X\u{1b}[2J",
        "ErrMessage": "gone\u{8}\u{8}\u{8}\u{8}ok",
        "RequestId": "\u{85}id",
    });
    let error = provoke(Reply::json(200, &business.to_string())).await;
    assert_eq!(error.code(), Some("X\\u{1b}[2J"));
    assert_eq!(error.request_id(), Some("\\u{85}id"));
    assert_safe("Display", &error.to_string());
    assert_safe("Debug", &format!("{error:?}"));

    let page = "<html>\u{1b}]0;title\u{7}\u{1b}[2J\u{8}\u{202d}page</html>";
    let error = provoke(Reply::html(400, page)).await;
    let Error::UnexpectedResponse { snippet, .. } = &error else {
        panic!("expected an unexpected response: {error:?}");
    };
    assert_eq!(
        snippet,
        "<html>\\u{1b}]0;title\\u{7}\\u{1b}[2J\\u{8}\\u{202d}page</html>"
    );
    assert_safe("Display", &error.to_string());
    assert_safe("Debug", &format!("{error:?}"));
}
