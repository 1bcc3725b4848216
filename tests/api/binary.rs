//! The real binary as a process: commands that end by themselves, and servers started,
//! signalled and waited for.

use std::io::{BufRead, BufReader};
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// `userplan` with these arguments and no environment but `env` (and `RUST_LOG=warn`): the
/// test's own environment must not reach it (`DATABASE_URL`, `RUST_LOG`...).
fn userplan(args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_userplan"));
    command
        .args(args)
        .env_clear()
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied());
    command
}

/// Runs a command that must end by itself, with its output.
pub async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let child = userplan(args, env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let pid = child.id().to_string();
    let finished = tokio::task::spawn_blocking(move || child.wait_with_output());
    match tokio::time::timeout(Duration::from_secs(60), finished).await {
        Ok(output) => output.unwrap().expect("output"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid])
                .status();
            panic!("`userplan {}` still runs after 60 s", args.join(" "));
        }
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The real binary serving on an ephemeral port; killed when dropped.
pub struct ServerProcess {
    process: Child,
    pub address: String,
    pub client: reqwest::Client,
    /// Everything it logged, once it has exited.
    log: Option<std::thread::JoinHandle<String>>,
}

impl ServerProcess {
    /// `args` must include `--listen 127.0.0.1:0`, wherever the test puts it.
    pub async fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut process = userplan(args, env)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server binary starts");
        let stdout = process.stdout.take().unwrap();
        // Its log is read all along (a full pipe would block it), for a failure to show.
        let mut log = process.stderr.take().unwrap();
        let log = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut log, &mut text);
            text
        });
        // It prints its address once it listens (or nothing, when it fails to start).
        let first_line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).map(|_| line)
        });
        let line = tokio::time::timeout(Duration::from_secs(60), first_line)
            .await
            .expect("the server says where it listens")
            .unwrap()
            .unwrap();
        let Some(address) = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
        else {
            let _ = process.wait();
            let log = log.join().unwrap();
            panic!(
                "`userplan {}` printed {line:?}; its log:\n{log}",
                args.join(" ")
            );
        };
        let address = address.to_owned();
        ServerProcess {
            process,
            address,
            client: reqwest::Client::new(),
            log: Some(log),
        }
    }

    /// Sends SIGTERM, as a service manager or `docker stop` does.
    pub fn terminate(&self) {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.process.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits for the process to exit, at most `within`: its exit status and its log.
    pub async fn exited(mut self, within: Duration) -> (std::process::ExitStatus, String) {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(status) = self.process.try_wait().unwrap() {
                let log = self.log.take().unwrap().join().unwrap();
                return (status, log);
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the server still runs {within:?} later"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn post(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON body")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
