//! A server may echo a secret in any spelling: raw, percent-encoded (either case, once or
//! twice), form-encoded, JSON-escaped, HTML-escaped, base64. Each spelling of the destination
//! password, the AccessKeySecret and the SecurityToken, echoed in a gateway error's Message, a
//! business error's ErrMessage, an error page and a RequestId, is replaced by the redaction
//! marker, and nothing of the secret is left in `Display` or `Debug`.
//!
//! The spellings are not produced by the SDK: they are what Python's standard encoders print,
//! pasted with the expression that produced each.

mod support;

use dbs_api::sensitive::REDACTED;
use dbs_api::{Credentials, Error, RetryConfig, SignatureVersion};
use support::{Reply, Server, client, restore_task};

#[path = "support/spellings.rs"]
mod spellings;

use spellings::{PASSWORD, SECRET, TOKEN};

/// Where the server puts the echo.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// `Message` of an HTTP 400 gateway error.
    GatewayMessage,
    /// `ErrMessage` of an HTTP 200 `Success: false` business error.
    BusinessMessage,
    /// The body of an HTML error page (the snippet of an unexpected response).
    Page,
    /// `RequestId` of an HTTP 400 gateway error.
    RequestId,
}

const PLACES: [Place; 4] = [
    Place::GatewayMessage,
    Place::BusinessMessage,
    Place::Page,
    Place::RequestId,
];

/// The reply that echoes `text` at `place`.
fn echo(place: Place, text: &str) -> Reply {
    let json = |status, value: serde_json::Value| Reply::json(status, &value.to_string());
    match place {
        Place::GatewayMessage => json(
            400,
            serde_json::json!({"Code": "InvalidParameter", "Message": format!("bad value: {text}"), "RequestId": "req-1"}),
        ),
        Place::BusinessMessage => json(
            200,
            serde_json::json!({"Success": false, "ErrCode": "InvalidPassword", "ErrMessage": format!("password {text} rejected"), "HttpStatusCode": 400, "RequestId": "req-2"}),
        ),
        // 400 rather than 502, so the page is not retried.
        Place::Page => Reply::html(400, &format!("<html><body>{text}</body></html>")),
        Place::RequestId => json(
            400,
            serde_json::json!({"Code": "InvalidParameter", "Message": "m", "RequestId": text}),
        ),
    }
}

/// The server-supplied text the error carries for `place`.
fn echoed(place: Place, error: &Error) -> Option<String> {
    match (place, error) {
        (Place::GatewayMessage | Place::BusinessMessage, Error::Service(e)) => {
            Some(e.message.clone())
        }
        (Place::RequestId, Error::Service(e)) => e.request_id.clone(),
        (Place::Page, Error::UnexpectedResponse { snippet, .. }) => Some(snippet.clone()),
        _ => None,
    }
}

/// What the error must carry for `place` once the echo, but for its first `kept` characters,
/// is redacted.
fn expected(place: Place, kept: &str) -> String {
    match place {
        Place::GatewayMessage => format!("bad value: {kept}{REDACTED}"),
        Place::BusinessMessage => format!("password {kept}{REDACTED} rejected"),
        Place::Page => format!("<html><body>{kept}{REDACTED}</body></html>"),
        Place::RequestId => format!("{kept}{REDACTED}"),
    }
}

#[tokio::test]
async fn every_spelling_of_every_secret_is_redacted_wherever_it_is_echoed() {
    let mut cases = Vec::new();
    for (secret, spelling, kept) in spellings::all() {
        for place in PLACES {
            cases.push((secret, spelling, kept, place));
        }
    }
    let replies: Vec<Reply> = cases
        .iter()
        .map(|(_, spelling, _, place)| echo(*place, spelling))
        .collect();
    let server = Server::scripted(replies).await;
    let credentials = Credentials::new("testid", SECRET).with_security_token(TOKEN);
    let client = client(&server, credentials, SignatureVersion::V3);
    let mut failures = Vec::new();
    for (secret, spelling, kept, place) in &cases {
        let error = restore_task(&client)
            .destination_endpoint_password(PASSWORD)
            .retry_config(RetryConfig::disabled())
            .send()
            .await
            .expect_err("every reply is an error");
        let want = expected(*place, &spelling[..*kept]);
        let got = echoed(*place, &error);
        if got.as_deref() != Some(want.as_str()) {
            failures.push(format!(
                "{place:?} {spelling:?}: got {got:?}, want {want:?}"
            ));
        }
        for text in [
            error.to_string(),
            format!("{error:?}"),
            format!("{error:#?}"),
        ] {
            if text.contains(secret) || text.contains(&spelling[*kept..]) {
                failures.push(format!("{place:?} {spelling:?} leaks in {text}"));
            }
        }
    }
    assert_eq!(server.requests().len(), cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn the_issue_example_is_redacted() {
    // A 400 whose message echoes quote_plus("S3cr3t DB/pw+&é!") was printed verbatim.
    let body =
        r#"{"Code":"InvalidParameter","Message":"S3cr3t+DB%2Fpw%2B%26%C3%A9%21","RequestId":"r"}"#;
    let server = Server::scripted(vec![Reply::json(400, body)]).await;
    let client = client(
        &server,
        Credentials::new("testid", "testsecret"),
        SignatureVersion::V1,
    );
    let error = restore_task(&client)
        .destination_endpoint_password(PASSWORD)
        .send()
        .await
        .expect_err("refused");
    assert_eq!(
        error.to_string(),
        format!("InvalidParameter: {REDACTED} (HTTP 400, RequestId: r)")
    );
}
