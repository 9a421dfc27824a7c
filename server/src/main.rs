//! `server`: parses settings, sets up logging and runs the server until Ctrl-C or SIGTERM; or,
//! with a subcommand, exports a board or backs up the database (`server --help`).

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// Collaborative whiteboard server: pages, y-websocket rooms and SQLite persistence.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(flatten)]
    config: server::Config,
    #[command(subcommand)]
    command: Option<server::tools::Command>,
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        // Colours for a terminal only, not in a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    let config = cli.config;
    if let Some(command) = cli.command {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        return runtime.block_on(server::tools::run(command, &config));
    }
    // Every connection takes a descriptor: use all the system allows this process.
    match server::serve::raise_open_files_limit() {
        Ok(limit) => tracing::debug!(limit, "open-files limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-files limit"),
    }
    if config.public_origin.is_none() && !config.addr.ip().is_loopback() {
        tracing::warn!(
            "WB_PUBLIC_ORIGIN is not set: browsers reaching this server by a domain name will be \
             refused WebSockets and uploads (403); set it to the address users open, e.g. \
             https://board.example.com"
        );
    }
    let runtime = if config.worker_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.worker_threads)
            .enable_all()
            .build()
    }
    .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        server::run(config, listener, shutdown_signal()).await
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
