//! End to end: a create whose answer is lost because the service went away mid-call.
//!
//! The emulator does the work and holds its answer (`apply_then_fail` with `delay_ms`); the
//! client reaches it through a loopback forwarder that is killed as soon as the task exists, so
//! the first attempt loses its connection and the next ones are refused, as when the service
//! dies. The error must say the call may have acted and give its ClientToken; calling again with
//! that token, straight to the emulator (a fresh path to the same service), must not create a
//! second task. Loopback only.

use std::net::SocketAddr;
use std::time::Duration;

use dbs_api::{
    Client, Credentials, DestinationEndpointInstanceType, Error, RestoreObject, RetryConfig,
};
use dbs_emulator::{Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultKind};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinSet;

/// A TCP forwarder on 127.0.0.1 to `target`; `kill` closes every connection and the port.
struct Forwarder {
    url: String,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl Forwarder {
    async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, mut stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((mut inbound, _)) = accepted else { continue };
                        connections.spawn(async move {
                            if let Ok(mut outbound) = TcpStream::connect(target).await {
                                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                            }
                        });
                    }
                }
            }
            // Dropping the listener and aborting the copies: refused and cut, as a dead host.
            connections.abort_all();
            while connections.join_next().await.is_some() {}
        });
        Self { url, stop, done }
    }

    async fn kill(self) {
        let _ = self.stop.send(());
        let _ = self.done.await;
    }
}

fn client(url: &str, emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .endpoint_url(url)
        .credentials(Credentials::new(
            emulator.access_key_id(),
            emulator.access_key_secret(),
        ))
        .retry_config(RetryConfig::standard().with_initial_backoff(Duration::from_millis(5)))
        .build()
        .expect("client")
}

fn request<'c>(client: &'c Client, token: Option<&str>) -> dbs_api::CreateRestoreTaskRequest<'c> {
    let request = client
        .create_restore_task()
        .backup_plan_id("dbsdemomysql01")
        .restore_task_name("lost-answer")
        .destination_endpoint_instance_type(DestinationEndpointInstanceType::Rds)
        .destination_endpoint_region("cn-hangzhou")
        .destination_endpoint_instance_id("rm-bp1p8c29lost")
        .destination_endpoint_user_name("restore_user")
        .destination_endpoint_password("lost-Pass1")
        .restore_objects([RestoreObject::new("orders").new_db_name("orders_restored")]);
    match token {
        Some(token) => request.client_token(token),
        None => request,
    }
}

/// Waits (bounded) until the emulator holds `n` tasks.
async fn until_tasks(emulator: &EmulatorHandle, n: usize) {
    for _ in 0..300 {
        if emulator.state().restore_tasks.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the emulator never held {n} task(s): {:?}",
        emulator.state()
    );
}

#[tokio::test]
async fn a_create_whose_service_dies_mid_call_reports_its_token_and_reruns_without_a_duplicate() {
    let emulator = Emulator::start(EmulatorConfig::default())
        .await
        .expect("emulator");
    emulator
        .inject_fault(Fault::new("CreateRestoreTask", FaultKind::ApplyThenFail).delay_ms(3000))
        .expect("fault");
    let forwarder = Forwarder::start(emulator.local_addr()).await;
    let through = client(&forwarder.url, &emulator);
    let call = tokio::spawn(async move { request(&through, None).send().await });

    // The work is done and the answer held: the service dies now.
    until_tasks(&emulator, 1).await;
    forwarder.kill().await;

    let error = call
        .await
        .expect("the call task")
        .expect_err("the answer was lost");
    assert!(error.was_sent(), "{error:?}");
    assert!(
        matches!(
            error,
            Error::Transport {
                sent: true,
                attempts: 3,
                ..
            }
        ),
        "first attempt cut, then refused twice: {error:?}"
    );
    let token = error
        .client_token()
        .expect("the token to retry with")
        .to_owned();
    let state = emulator.state();
    assert_eq!(state.restore_tasks.len(), 1, "{state:?}");

    // The same call with that token, straight to the service: the same task, not a second one.
    let direct = client(&emulator.url(), &emulator);
    let output = request(&direct, Some(&token))
        .send()
        .await
        .expect("the rerun succeeds");
    let state = emulator.state();
    assert_eq!(state.restore_tasks.len(), 1, "no duplicate: {state:?}");
    assert_eq!(
        output.restore_task_id.as_deref(),
        Some(state.restore_tasks[0].restore_task_id.as_str())
    );
    emulator.shutdown().await;
}
