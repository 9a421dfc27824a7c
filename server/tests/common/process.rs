//! The real `server` binary as an operator runs it, on a port of its own.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::TIMEOUT;

pub struct Process {
    pub child: Child,
    pub addr: String,
}

/// A port no other test of this run takes: two tests asking the kernel for a free port at once
/// can both be told the same one, and one would then talk to the other's server. Ports come
/// from below Linux's ephemeral range (32768 up), one after another, each checked free.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let _ = NEXT.compare_exchange(
        0,
        20_000 + (std::process::id() % 9_000) as u16,
        Ordering::SeqCst,
        Ordering::SeqCst,
    );
    loop {
        let port = NEXT.fetch_add(1, Ordering::SeqCst);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A test that fails midway still stops its server.
impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Process {
    pub async fn start(db: &Path, port: u16) -> Process {
        Self::start_with(db, port, &[], Stdio::null()).await
    }

    /// Starts the binary with extra environment variables, its log (stdout) going to `log`.
    pub async fn start_with(db: &Path, port: u16, env: &[(&str, &str)], log: Stdio) -> Process {
        Self::spawn(db, port, env, log, None).await
    }

    /// Starts the binary as `start_with` does, with `open_files` as both its soft and hard
    /// open-files limit when given (set by the shell's `ulimit` before it `exec`s the binary).
    pub async fn spawn(
        db: &Path,
        port: u16,
        env: &[(&str, &str)],
        log: Stdio,
        open_files: Option<u32>,
    ) -> Process {
        let addr = format!("127.0.0.1:{port}");
        let bin = env!("CARGO_BIN_EXE_server");
        let mut command = match open_files {
            Some(n) => {
                let mut sh = Command::new("sh");
                sh.args(["-c", &format!("ulimit -n {n} && exec \"$0\""), bin]);
                sh
            }
            None => Command::new(bin),
        };
        let child = command
            .env("LEPTOS_SITE_ADDR", &addr)
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "server did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Process { child, addr }
    }

    pub fn ws_url(&self, board: &str) -> String {
        format!("ws://{}/ws/{board}", self.addr)
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub async fn wait(mut self) -> std::process::ExitStatus {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "server did not exit"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
