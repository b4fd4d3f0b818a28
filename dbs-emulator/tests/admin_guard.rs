//! The admin API answers local programs only: a loopback `Host`, no foreign `Origin`, and JSON
//! declared as such, so a web page cannot reach it (CSRF, DNS rebinding).

mod common;

use common::*;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Sends `method path` with exactly these headers (no Host unless given) and a body; returns
/// the status and the JSON answer.
async fn request(
    url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let addr = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    ));
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    let read = stream.read_to_end(&mut response);
    tokio::time::timeout(std::time::Duration::from_secs(10), read)
        .await
        .expect("an answer within 10 s")
        .expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    let json = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let value = serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, value)
}

const FAULT: &str = r#"{"action":"CreateRestoreTask","kind":"status"}"#;

fn error_of(answer: &Value) -> &str {
    answer["error"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_foreign_host_is_refused_on_every_admin_route_and_method() {
    let emulator = start().await;
    let url = emulator.url();
    let port = emulator.local_addr().port();
    let rebound = format!("attacker.example:{port}");
    for (method, path, body) in [
        ("GET", "/_emulator/health", ""),
        ("GET", "/_emulator/state", ""),
        ("GET", "/_emulator/faults", ""),
        ("POST", "/_emulator/faults", FAULT),
        ("DELETE", "/_emulator/faults", ""),
        ("GET", "/_emulator/nothing", ""),
    ] {
        for host in [
            rebound.as_str(),
            "127.0.0.1.nip.io",
            "0.0.0.0",
            "192.168.1.20:8080",
        ] {
            let headers = [("host", host), ("content-type", "application/json")];
            let (status, answer) = request(&url, method, path, &headers, body).await;
            assert_eq!(status, 403, "{method} {path} Host {host}: {answer}");
            assert!(error_of(&answer).contains("loopback Host"), "{answer}");
        }
        // No Host at all is no loopback Host either.
        let (status, _) = request(
            &url,
            method,
            path,
            &[("content-type", "application/json")],
            body,
        )
        .await;
        assert_eq!(status, 403, "{method} {path} without Host");
    }
    assert!(emulator.state().faults.is_empty(), "no fault got in");

    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.1".to_owned(),
    ] {
        let (status, answer) =
            request(&url, "GET", "/_emulator/health", &[("host", &host)], "").await;
        assert_eq!(
            (status, answer),
            (200, serde_json::json!({"status": "ok"})),
            "{host}"
        );
    }
}

#[tokio::test]
async fn a_foreign_or_null_origin_is_refused_and_a_loopback_one_allowed() {
    let emulator = start().await;
    let url = emulator.url();
    let host = url.trim_start_matches("http://").to_owned();
    for origin in [
        "https://attacker.example",
        "null",
        "http://127.0.0.1.nip.io",
        "file://",
    ] {
        for (method, path, body) in [
            ("GET", "/_emulator/state", ""),
            ("POST", "/_emulator/faults", FAULT),
            ("DELETE", "/_emulator/faults", ""),
        ] {
            let headers = [
                ("host", host.as_str()),
                ("origin", origin),
                ("content-type", "application/json"),
            ];
            let (status, answer) = request(&url, method, path, &headers, body).await;
            assert_eq!(status, 403, "{method} {path} Origin {origin}: {answer}");
            assert!(error_of(&answer).contains("Origin"), "{answer}");
        }
    }
    assert!(emulator.state().faults.is_empty(), "no fault got in");

    let local = format!("http://{host}");
    for origin in [
        local.as_str(),
        "http://localhost:5173",
        "https://[::1]:8443",
    ] {
        let headers = [
            ("host", host.as_str()),
            ("origin", origin),
            ("content-type", "application/json"),
        ];
        let (status, answer) = request(&url, "POST", "/_emulator/faults", &headers, FAULT).await;
        assert_eq!(status, 200, "Origin {origin}: {answer}");
    }
    assert_eq!(emulator.clear_faults(), 3);
}

#[tokio::test]
async fn a_fault_must_be_declared_application_json() {
    let emulator = start().await;
    let url = emulator.url();
    let host = url.trim_start_matches("http://").to_owned();
    // What an HTML form or a no-cors fetch can send without a preflight: refused.
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
        None,
    ] {
        let mut headers = vec![("host", host.as_str())];
        if let Some(content_type) = content_type {
            headers.push(("content-type", content_type));
        }
        let (status, answer) = request(&url, "POST", "/_emulator/faults", &headers, FAULT).await;
        assert_eq!(status, 415, "{content_type:?}: {answer}");
        assert!(error_of(&answer).contains("application/json"), "{answer}");
    }
    assert!(emulator.state().faults.is_empty(), "no fault got in");
    for content_type in ["application/json", "Application/JSON; charset=utf-8"] {
        let headers = [("host", host.as_str()), ("content-type", content_type)];
        let (status, answer) = request(&url, "POST", "/_emulator/faults", &headers, FAULT).await;
        assert_eq!(status, 200, "{content_type}: {answer}");
    }
    assert_eq!(emulator.clear_faults(), 2);
}

#[tokio::test]
async fn the_api_itself_is_not_limited_to_loopback_hosts() {
    // Signed requests are the gateway's business: a Host that the admin API refuses still
    // reaches the service (V1 does not sign the host).
    let emulator = start().await;
    let url = emulator.url();
    let raw = V1::new(rds_params(), Placement::Query).build();
    let path = format!("/?{}", raw.query);
    let (status, answer) =
        request(&url, "POST", &path, &[("host", "dbs.example.internal")], "").await;
    assert_eq!(
        (status, answer["Success"].as_bool()),
        (200, Some(true)),
        "{answer}"
    );
}
