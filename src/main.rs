use std::io::IsTerminal;
use std::process::ExitCode;

use tracing_subscriber::EnvFilter;
use userplan::config::{Cli, LogFormat};

// A request allocates thousands of small values (rows, GraphQL values, JSON), and with
// mimalloc the server runs markedly fewer instructions per request than with glibc's
// malloc, for somewhat more memory (the README's performance section has the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse_args();
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.with_ansi(std::io::stderr().is_terminal()).init(),
        // One JSON object per line, with the request span's fields (request id, operation).
        LogFormat::Json => logs.json().with_current_span(true).init(),
    }
    match userplan::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
