//! The real binary, in a process of its own: for what only a process shows (its command
//! line, signals, its exit) or what the other servers of this test process would disturb
//! (the metrics recorder is global to a process).

use std::io::{BufRead, BufReader};
use std::process::{Child, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// `userplan` with these arguments and no environment but `env` (and `RUST_LOG=warn`): the
/// test's own environment must not reach it (`DATABASE_URL`, `RUST_LOG`...).
pub fn userplan(args: &[&str], env: &[(&str, &str)]) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_userplan"));
    command
        .args(args)
        .env_clear()
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied());
    command
}

/// The real binary serving on an ephemeral port; killed when dropped.
pub struct ServerProcess {
    process: Child,
    pub address: String,
    pub client: reqwest::Client,
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
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub async fn post(&self, query: &str) -> Value {
        self.client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("JSON body")
    }

    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Waits for the process to end by itself.
    pub fn exit_status(mut self) -> ExitStatus {
        self.process.wait().unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}
