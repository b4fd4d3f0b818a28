//! Paginators end to end: `DescribeBackupPlanList` across pages against the emulator (plans made
//! with `CreateBackupPlan` through the SDK), and scripted loopback servers that lie about the
//! number of pages or fail a page. Expected values come from the requests made and the spec's
//! `pagination` (`PageNum` from 0, `TotalPages`, `Items.BackupPlanDetail`).

// Tests: a panic that shows the unexpected value is the failure report.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use dbs_api::{
    BackupMethod, Client, Credentials, DatabaseType, Error, InstanceClass, Paged as _, RetryConfig,
};
use dbs_emulator::{Emulator, EmulatorConfig, Seed};
use dbs_tests::server::{Recorded, Reply, Server};
use futures_util::TryStreamExt as _;

const RESOURCE_GROUP: &str = "rg-pager-e2e";
const PLANS: usize = 35;
const PAGE_SIZE: i32 = 10;

fn client(url: &str) -> Client {
    Client::builder()
        .endpoint_url(url)
        .credentials(Credentials::new("testid", "testsecret"))
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap()
}

/// An emulator with no seeded plans and `PLANS` plans created through the SDK, in order.
async fn emulator_with_plans() -> (dbs_emulator::EmulatorHandle, Client, Vec<String>) {
    let handle = Emulator::start(EmulatorConfig::default().seed(Seed::empty()))
        .await
        .unwrap();
    let client = client(&handle.url());
    let mut ids = Vec::new();
    for _ in 0..PLANS {
        let created = client
            .create_backup_plan()
            .instance_class(InstanceClass::Micro)
            .database_type(DatabaseType::MySql)
            .backup_method(BackupMethod::Logical)
            .resource_group_id(RESOURCE_GROUP)
            .send()
            .await
            .unwrap();
        ids.push(created.backup_plan_id.unwrap());
    }
    (handle, client, ids)
}

#[tokio::test]
async fn backup_plan_list_items_stream_every_plan_in_creation_order() {
    let (handle, client, ids) = emulator_with_plans().await;
    let items: Vec<_> = client
        .describe_backup_plan_list()
        .resource_group_id(RESOURCE_GROUP)
        .page_size(PAGE_SIZE)
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<String> = items
        .iter()
        .map(|plan| plan.backup_plan_id.clone().unwrap())
        .collect();
    assert_eq!(got.len(), PLANS);
    assert_eq!(got, ids);
    handle.shutdown().await;
}

#[tokio::test]
async fn backup_plan_list_pages_follow_page_num_from_0_and_stop_at_total_pages() {
    let (handle, client, ids) = emulator_with_plans().await;
    let pages: Vec<_> = client
        .describe_backup_plan_list()
        .resource_group_id(RESOURCE_GROUP)
        .page_size(PAGE_SIZE)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    // 35 plans, 10 a page: pages 0..=3 (the spec's first page is 0), the last one short.
    assert_eq!(pages.len(), 4);
    let numbers: Vec<Option<i32>> = pages.iter().map(|p| p.page_num).collect();
    assert_eq!(numbers, [Some(0), Some(1), Some(2), Some(3)]);
    for page in &pages {
        assert_eq!(page.total_pages, Some(4));
        assert_eq!(page.total_elements, Some(35));
    }
    let sizes: Vec<usize> = pages
        .iter()
        .map(dbs_api::DescribeBackupPlanListInput::item_count)
        .collect();
    assert_eq!(sizes, [10, 10, 10, 5]);
    let flat: Vec<String> = pages
        .into_iter()
        .flat_map(dbs_api::DescribeBackupPlanListInput::into_items)
        .map(|plan| plan.backup_plan_id.unwrap())
        .collect();
    assert_eq!(flat, ids);
    handle.shutdown().await;
}

#[tokio::test]
async fn a_page_number_set_on_the_call_is_where_the_walk_starts() {
    let (handle, client, ids) = emulator_with_plans().await;
    let items: Vec<_> = client
        .describe_backup_plan_list()
        .resource_group_id(RESOURCE_GROUP)
        .page_size(PAGE_SIZE)
        .page_num(2)
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<String> = items
        .into_iter()
        .map(|plan| plan.backup_plan_id.unwrap())
        .collect();
    assert_eq!(got, ids[20..]);
    handle.shutdown().await;
}

/// Every parameter of a recorded request, query and form alike.
fn params(request: &Recorded) -> Vec<(String, String)> {
    let mut all = request.query_params();
    all.extend(request.body_params());
    all
}

fn page_num(request: &Recorded) -> Option<String> {
    params(request)
        .into_iter()
        .find(|(name, _)| name == "PageNum")
        .map(|(_, value)| value)
}

/// A page of one plan that always announces a million pages.
fn lying_page(n: usize) -> Reply {
    Reply::json(
        200,
        &format!(
            r#"{{"RequestId":"req-{n}","Success":true,"HttpStatusCode":200,"PageNum":{n},"PageSize":1,"TotalPages":1000000,"TotalElements":1000000,"Items":{{"BackupPlanDetail":[{{"BackupPlanId":"plan-{n}"}}]}}}}"#
        ),
    )
}

#[tokio::test]
async fn a_server_that_never_stops_announcing_pages_is_capped() {
    let server = Server::start(|_, n| lying_page(n)).await;
    let client = client(server.url());
    let mut pages = Box::pin(
        client
            .describe_backup_plan_list()
            .page_size(1)
            .into_paginator()
            .max_pages(5)
            .send(),
    );
    let mut got = Vec::new();
    let end = loop {
        match pages.try_next().await {
            Ok(Some(page)) => got.push(page.request_id.unwrap()),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    assert_eq!(got, ["req-0", "req-1", "req-2", "req-3", "req-4"]);
    match end {
        Some(Error::TooManyPages { action, pages }) => {
            assert_eq!(action, "DescribeBackupPlanList");
            assert_eq!(pages, 5);
        }
        other => panic!("expected TooManyPages, got {other:?}"),
    }
    // After the error the stream is over, and nothing more was asked.
    assert!(pages.try_next().await.unwrap().is_none());
    let asked: Vec<Option<String>> = server.requests().iter().map(page_num).collect();
    let expected: Vec<Option<String>> = (0..5).map(|n| Some(n.to_string())).collect();
    assert_eq!(asked, expected);
}

#[tokio::test]
async fn the_default_cap_ends_the_item_stream_too() {
    let server = Server::start(|_, n| lying_page(n)).await;
    let client = client(server.url());
    let result: Result<Vec<_>, Error> = client
        .describe_backup_plan_list()
        .page_size(1)
        .into_paginator()
        .items()
        .try_collect()
        .await;
    assert!(
        matches!(result, Err(Error::TooManyPages { pages, .. }) if pages == dbs_api::paginator::DEFAULT_MAX_PAGES),
        "{result:?}"
    );
    assert_eq!(
        server.requests().len(),
        dbs_api::paginator::DEFAULT_MAX_PAGES as usize
    );
}

#[tokio::test]
async fn each_page_goes_through_the_pipeline_retries_included() {
    // Page 0; page 1 answered 503 once (retried), then a short last page without totals.
    let server = Server::start(|request, _| match page_num(request).as_deref() {
        Some("0") => Reply::json(
            200,
            r#"{"RequestId":"a","Success":true,"Items":{"BackupPlanDetail":[{"BackupPlanId":"p1"},{"BackupPlanId":"p2"}]}}"#,
        ),
        _ => Reply::json(
            200,
            r#"{"RequestId":"b","Success":true,"Items":{"BackupPlanDetail":[{"BackupPlanId":"p3"}]}}"#,
        ),
    })
    .await;
    let flaky = Server::scripted(vec![
        Reply::json(200, r#"{"RequestId":"a","Success":true,"Items":{"BackupPlanDetail":[{"BackupPlanId":"p1"},{"BackupPlanId":"p2"}]}}"#),
        Reply::json(503, r#"{"RequestId":"busy","Code":"ServiceUnavailable","Message":"try later"}"#),
        Reply::json(200, r#"{"RequestId":"b","Success":true,"Items":{"BackupPlanDetail":[{"BackupPlanId":"p3"}]}}"#),
    ])
    .await;
    for (server, requests) in [(&server, 2), (&flaky, 3)] {
        let items: Vec<_> = client(server.url())
            .describe_backup_plan_list()
            .page_size(2)
            .into_paginator()
            .items()
            .try_collect()
            .await
            .unwrap();
        let ids: Vec<String> = items
            .into_iter()
            .map(|plan| plan.backup_plan_id.unwrap())
            .collect();
        assert_eq!(ids, ["p1", "p2", "p3"]);
        let asked: Vec<Option<String>> = server.requests().iter().map(page_num).collect();
        assert_eq!(asked.len(), requests);
        assert_eq!(asked.first().cloned().flatten().as_deref(), Some("0"));
        assert_eq!(asked.last().cloned().flatten().as_deref(), Some("1"));
    }
}

#[tokio::test]
async fn a_validation_error_is_the_first_and_only_item() {
    let server = Server::start(|_, n| lying_page(n)).await;
    // PageSize beyond the spec's bound (1 to 100): nothing is sent.
    let result: Result<Vec<_>, Error> = client(server.url())
        .describe_backup_plan_list()
        .page_size(1000)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    assert!(matches!(result, Err(Error::Validation(_))), "{result:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn call_all_pages_merges_every_page_by_the_registry_entry() {
    let (handle, client, ids) = emulator_with_plans().await;
    let operation = dbs_api::operation("DescribeBackupPlanList").unwrap();
    let params = dbs_tests::form::pairs(&[("ResourceGroupId", RESOURCE_GROUP), ("PageSize", "10")]);
    let merged = client
        .call_all_pages(operation, &params, None, 100)
        .await
        .unwrap();
    let got: Vec<&str> = merged["Items"]["BackupPlanDetail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|plan| plan["BackupPlanId"].as_str().unwrap())
        .collect();
    assert_eq!(got, ids);
    assert_eq!(merged["TotalElements"], 35);
    assert_eq!(merged["TotalPages"], 4);
    // From page 3 (the fourth): the last five.
    let params = dbs_tests::form::pairs(&[
        ("ResourceGroupId", RESOURCE_GROUP),
        ("PageSize", "10"),
        ("PageNum", "3"),
    ]);
    let tail = client
        .call_all_pages(operation, &params, None, 100)
        .await
        .unwrap();
    assert_eq!(
        tail["Items"]["BackupPlanDetail"].as_array().map(Vec::len),
        Some(5)
    );
    // The cap holds here too.
    let params = dbs_tests::form::pairs(&[("ResourceGroupId", RESOURCE_GROUP), ("PageSize", "10")]);
    let capped = client.call_all_pages(operation, &params, None, 2).await;
    assert!(
        matches!(capped, Err(Error::TooManyPages { pages: 2, .. })),
        "{capped:?}"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn call_all_pages_refuses_an_operation_that_does_not_page() {
    let server = Server::start(|_, n| lying_page(n)).await;
    let operation = dbs_api::operation("DescribeJobErrorCode").unwrap();
    assert!(operation.pagination.is_none());
    let params = dbs_tests::form::pairs(&[("TaskId", "t-1")]);
    let result = client(server.url())
        .call_all_pages(operation, &params, None, 10)
        .await;
    assert!(matches!(result, Err(Error::Config(_))), "{result:?}");
    assert!(server.requests().is_empty());
}
