//! `loadgen`: thousands of y-websocket clients against one server on loopback, measuring what
//! the server costs per connection and per delivery, and how late the deliveries are.
//!
//! It opens `--boards × --per-board` WebSockets to `--url` + `load-<n>` (open boards, no
//! keys) at `--connect-per-sec`, each doing the y-websocket handshake (sync step 1 with an empty
//! state vector, an empty step 2 answering the server's step 1) and sending presence
//! (awareness, fixed client id, incrementing clock) at `--presence-hz` with ±10 % jitter. After
//! a quiet settle period (idle RSS, idle CPU) the first client of each board becomes a writer:
//! `--rate` times a second it sets a map entry in its own yrs `Doc` to a string carrying
//! `@LG<seq>:<micros>@` (sequence number, send time in µs since the process's common start) and
//! sends the v1 update. Receivers never decode updates: they scan update frames for the marker
//! (yrs and yjs keep string content verbatim in v1 updates) and record `now − send time` in a
//! per-task HDR histogram (merged at the end). Deliveries are counted per (board, seq); lost =
//! updates sent × the board's other clients − deliveries to them (the writer's own echo, which
//! this server sends and `@y/websocket-server` does not, is counted apart and not as a delivery).
//!
//! With `--server-pid` it samples the server's CPU (utime+stime, `/proc/PID/stat`) and memory
//! (VmRSS, RssAnon) before connecting, after connecting (idle), and at the end, and prints
//! server CPU µs per delivery, KB per idle connection, and its own CPU per message so that a
//! reader can see it is not the bottleneck. Every loop is bounded in count and time; the URL must
//! name a loopback address.
//!
//! ```text
//! cargo build --release -p loadgen
//! target/release/loadgen --url ws://127.0.0.1:3000/ws/ --boards 1000 --per-board 10 \
//!     --rate 5 --duration-secs 300 --server-pid $(pgrep -n server) [--json]
//! ```
//! `bench/load/run.sh` starts this server and `@y/websocket-server` and runs the scenarios.
//!
//! One file of about 1,000 lines: flags, the client task, the accounting and the report, in
//! that order. The next change here should split the client task and the report into modules.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use serde::Serialize;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::{sleep, sleep_until, timeout};
use tokio_tungstenite::tungstenite::http::Uri;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use yrs::updates::encoder::Encode;
use yrs::{Doc, Map, Transact, Update};

#[derive(Parser, Debug, Clone)]
#[command(about = "y-websocket load generator (loopback only)")]
struct Args {
    /// WebSocket URL prefix; the board id (`<prefix>-<n>`) is appended. Loopback addresses only.
    #[arg(long)]
    url: String,
    /// Boards (rooms).
    #[arg(long, default_value_t = 100)]
    boards: usize,
    /// Connections per board; the first one of each board is its writer.
    #[arg(long, default_value_t = 10)]
    per_board: usize,
    /// Updates per second per writer (one writer per board); 0 = no writes.
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Presence (awareness) updates per second from every client; 0 = none.
    #[arg(long, default_value_t = 1.0)]
    presence_hz: f64,
    /// Length of the steady (writing) phase.
    #[arg(long, default_value_t = 30)]
    duration_secs: u64,
    /// Connection ramp: new connections per second.
    #[arg(long, default_value_t = 2000)]
    connect_per_sec: u32,
    /// Server process to sample (CPU and memory from /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Print the result as one JSON object on stdout (the human summary goes to stderr).
    #[arg(long)]
    json: bool,
    /// Length of the string each update sets (the marker plus padding).
    #[arg(long, default_value_t = 64)]
    payload_bytes: usize,
    /// Board id prefix.
    #[arg(long, default_value = "load")]
    board_prefix: String,
    /// Idle seconds after every client connected, before sampling idle memory and writing.
    #[arg(long, default_value_t = 10)]
    settle_secs: u64,
    /// Longest the connection phase may take (then the run goes on with what connected).
    #[arg(long, default_value_t = 120)]
    connect_timeout_secs: u64,
    /// Seconds after the last write to wait for deliveries still in flight.
    #[arg(long, default_value_t = 5)]
    drain_secs: u64,
    /// Tokio worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// A label copied into the output.
    #[arg(long, default_value = "")]
    label: String,
}

// ---------------------------------------------------------------------------------------------
// Marker scan and loss accounting (pure, unit-tested)

const MARKER: &[u8] = b"@LG";
static FINDER: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new(MARKER));

/// Writes `@LG<seq>:<micros>@` then pads with `x` up to `len` bytes.
fn write_marker(out: &mut String, seq: u32, micros: u64, len: usize) {
    use std::fmt::Write;
    out.clear();
    let _ = write!(out, "@LG{seq}:{micros}@");
    while out.len() < len {
        out.push('x');
    }
}

/// Parses the decimal digits at the start of `bytes` up to `end`; `None` without digits, on
/// overflow or when `end` does not follow them.
fn parse_num(bytes: &[u8], end: u8) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (n, &b) in bytes.iter().take(20).enumerate() {
        if b == end {
            return (n > 0).then_some((value, n + 1));
        }
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    None
}

/// Calls `found(seq, micros)` for every well-formed marker in `bytes`; returns how many.
fn scan_markers(bytes: &[u8], mut found: impl FnMut(u32, u64)) -> usize {
    let mut count = 0;
    for pos in FINDER.find_iter(bytes) {
        let rest = &bytes[pos + MARKER.len()..];
        let Some((seq, used)) = parse_num(rest, b':') else {
            continue;
        };
        let Some((micros, _)) = parse_num(&rest[used..], b'@') else {
            continue;
        };
        let Ok(seq) = u32::try_from(seq) else {
            continue;
        };
        found(seq, micros);
        count += 1;
    }
    count
}

/// Lost and duplicated deliveries of one board: `sent` updates (seqs `0..sent`), each expected
/// `receivers` times; `counts[seq]` deliveries seen.
fn board_loss(sent: u32, counts: &[u32], receivers: u32) -> (u64, u64) {
    let (mut lost, mut dup) = (0u64, 0u64);
    for seq in 0..sent as usize {
        let got = counts.get(seq).copied().unwrap_or(0);
        lost += u64::from(receivers.saturating_sub(got));
        dup += u64::from(got.saturating_sub(receivers));
    }
    (lost, dup)
}

// ---------------------------------------------------------------------------------------------
// lib0 encoding of the few frames sent by hand

fn write_var(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// An awareness frame with one client's state: `1 · len · [1 · client · clock · json]`.
fn awareness_frame(client: u64, clock: u64, json: &str) -> Vec<u8> {
    let mut inner = Vec::with_capacity(json.len() + 24);
    write_var(&mut inner, 1);
    write_var(&mut inner, client);
    write_var(&mut inner, clock);
    write_var(&mut inner, json.len() as u64);
    inner.extend_from_slice(json.as_bytes());
    let mut frame = Vec::with_capacity(inner.len() + 6);
    write_var(&mut frame, 1);
    write_var(&mut frame, inner.len() as u64);
    frame.extend_from_slice(&inner);
    frame
}

// ---------------------------------------------------------------------------------------------
// Shared state

const CONNECT: u8 = 0;
const IDLE: u8 = 1;
const STEADY: u8 = 2;
const DRAIN: u8 = 3;
const DONE: u8 = 4;
const PHASES: usize = 5;

struct Shared {
    start: Instant,
    phase: AtomicU8,
    /// Deliveries per board per seq (to clients other than the writer).
    counts: Vec<Box<[AtomicU32]>>,
    /// Updates sent per board.
    sent: Vec<AtomicU32>,
    /// Connections synced (server's step 2 received) or failed.
    settled: AtomicUsize,
    synced: AtomicUsize,
    /// µs since start when the last connection synced.
    last_synced_us: AtomicU64,
    /// Connections open right now.
    open: AtomicUsize,
}

impl Shared {
    fn now_us(&self) -> u64 {
        self.start.elapsed().as_micros() as u64
    }
}

/// What one connection's task saw.
struct TaskStats {
    hist: Histogram<u32>,
    max_us: u64,
    connected: bool,
    connect_error: Option<String>,
    /// Why the connection ended before the run did (close code or error), if it did.
    early_end: Option<String>,
    deliveries: [u64; PHASES],
    echoes: [u64; PHASES],
    presence_in: [u64; PHASES],
    frames_in: [u64; PHASES],
    frames_out: [u64; PHASES],
    bad_seq: u64,
    retry_errors: BTreeMap<String, u64>,
}

const CONNECT_ATTEMPTS: u32 = 3;
const HIST_HIGH_US: u64 = 10_000_000;

impl TaskStats {
    fn new() -> Self {
        TaskStats {
            hist: Histogram::new_with_bounds(1, HIST_HIGH_US, 2).expect("histogram bounds"),
            max_us: 0,
            connected: false,
            connect_error: None,
            early_end: None,
            deliveries: [0; PHASES],
            echoes: [0; PHASES],
            presence_in: [0; PHASES],
            frames_in: [0; PHASES],
            frames_out: [0; PHASES],
            bad_seq: 0,
            retry_errors: BTreeMap::new(),
        }
    }
}

/// A small per-task random source (xorshift64*), for jitter without a shared RNG.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

struct Conn {
    index: usize,
    board: usize,
    writer: bool,
    addr: SocketAddr,
    url: String,
    max_seq: u32,
}

fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_write_buffer_size(1 << 20)
        .max_message_size(Some(64 << 20))
}

async fn client(
    conn: Conn,
    args: Arc<Args>,
    shared: Arc<Shared>,
    mut phase_rx: watch::Receiver<u8>,
) -> TaskStats {
    let mut st = TaskStats::new();
    let settle = || {
        shared.settled.fetch_add(1, Ordering::Relaxed);
    };
    let connect = || async {
        let tcp = TcpStream::connect(conn.addr)
            .await
            .map_err(|e| format!("tcp: {}", e.kind()))?;
        let _ = tcp.set_nodelay(true);
        tokio_tungstenite::client_async_with_config(conn.url.as_str(), tcp, Some(ws_config()))
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(r) => {
                    format!("http {}", r.status().as_u16())
                }
                e => format!("ws: {e}"),
            })
    };
    // Up to CONNECT_ATTEMPTS attempts of 15 s each, 1 s and 2 s apart (as a client would retry).
    let mut attempt = 0;
    let mut ws = loop {
        let error = match timeout(Duration::from_secs(15), connect()).await {
            Ok(Ok((ws, _))) => break ws,
            Ok(Err(e)) => e,
            Err(_) => "timeout (15 s)".to_string(),
        };
        attempt += 1;
        if attempt >= CONNECT_ATTEMPTS {
            st.connect_error = Some(error);
            settle();
            return st;
        }
        *st.retry_errors.entry(error).or_default() += 1;
        sleep(Duration::from_secs(attempt as u64)).await;
    };
    st.connected = true;
    shared.open.fetch_add(1, Ordering::Relaxed);
    let mut rng =
        Rng(0x9E37_79B9_7F4A_7C15 ^ (conn.index as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    let client_id = 1_000_000 + conn.index as u64;
    let phase_of = |shared: &Shared| shared.phase.load(Ordering::Relaxed) as usize;

    let step1 = board::protocol::sync_step1(&yrs::StateVector::default());
    let empty_step2 = board::protocol::sync_step2(Update::new().encode_v1());
    let mut synced = false;
    let mut ended_by_us = false;
    if ws.send(Message::Binary(step1.into())).await.is_err() {
        st.early_end = Some("send step 1 failed".into());
    }
    st.frames_out[phase_of(&shared)] += 1;

    // Presence: fixed client id, incrementing clock, period ±10 %.
    let presence_period =
        (args.presence_hz > 0.0).then(|| Duration::from_secs_f64(1.0 / args.presence_hz));
    let presence_json = format!(
        "{{\"user\":{{\"name\":\"lg-{}\",\"color\":\"#3b82f6\"}},\"cursor\":{{\"x\":{},\"y\":{}}}}}",
        conn.index,
        conn.index % 1000,
        conn.index / 1000
    );
    let mut presence_clock = 0u64;
    let far = tokio::time::Instant::now() + Duration::from_secs(365 * 86400);
    let presence_sleep = sleep_until(match presence_period {
        Some(p) => tokio::time::Instant::now() + p.mul_f64(rng.unit()),
        None => far,
    });
    tokio::pin!(presence_sleep);

    // Writer state.
    let write_period =
        (conn.writer && args.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / args.rate));
    let doc = Doc::with_client_id(client_id);
    let map = doc.get_or_insert_map("lg");
    let mut text = String::with_capacity(args.payload_bytes + 32);
    let mut seq: u32 = 0;
    let mut writing = false;
    let write_sleep = sleep_until(far);
    tokio::pin!(write_sleep);

    let early_end = st.early_end.is_some();
    if early_end {
        settle();
    }
    if !early_end {
        loop {
            tokio::select! {
                msg = ws.next() => {
                    let phase = phase_of(&shared);
                    let msg = match msg {
                        Some(Ok(m)) => m,
                        Some(Err(e)) => { st.early_end = Some(format!("error: {e}")); break; }
                        None => { st.early_end = Some("eof".into()); break; }
                    };
                    let bytes = match msg {
                        Message::Binary(b) => b,
                        Message::Close(f) => {
                            st.early_end = Some(match f {
                                Some(f) => format!("close {}", u16::from(f.code)),
                                None => "close (no code)".into(),
                            });
                            break;
                        }
                        _ => continue,
                    };
                    st.frames_in[phase] += 1;
                    match (bytes.first(), bytes.get(1)) {
                        (Some(0), Some(2)) => {
                            let now = shared.now_us();
                            let counts = &shared.counts[conn.board];
                            let writer = conn.writer;
                            let (hist, max_us, deliveries, echoes, bad) =
                                (&mut st.hist, &mut st.max_us, &mut st.deliveries[phase], &mut st.echoes[phase], &mut st.bad_seq);
                            scan_markers(&bytes, |s, sent_us| {
                                if writer {
                                    *echoes += 1;
                                    return;
                                }
                                let Some(c) = counts.get(s as usize) else { *bad += 1; return; };
                                c.fetch_add(1, Ordering::Relaxed);
                                let lat = now.saturating_sub(sent_us).max(1);
                                *max_us = (*max_us).max(lat);
                                let _ = hist.record(lat.min(HIST_HIGH_US));
                                *deliveries += 1;
                            });
                        }
                        (Some(0), Some(0)) => {
                            // The server's step 1: answer with an empty step 2 (nothing to add).
                            if ws.send(Message::Binary(empty_step2.clone().into())).await.is_err() {
                                st.early_end = Some("send step 2 failed".into());
                                break;
                            }
                            st.frames_out[phase] += 1;
                        }
                        (Some(0), Some(1)) if !synced => {
                            synced = true;
                            shared.synced.fetch_add(1, Ordering::Relaxed);
                            shared.last_synced_us.fetch_max(shared.now_us(), Ordering::Relaxed);
                            settle();
                        }
                        (Some(1), _) => st.presence_in[phase] += 1,
                        _ => {}
                    }
                }
                () = &mut presence_sleep => {
                    let Some(p) = presence_period else { presence_sleep.as_mut().reset(far); continue };
                    presence_clock += 1;
                    let frame = awareness_frame(client_id, presence_clock, &presence_json);
                    if ws.send(Message::Binary(frame.into())).await.is_err() {
                        st.early_end = Some("send presence failed".into());
                        break;
                    }
                    st.frames_out[phase_of(&shared)] += 1;
                    presence_sleep.as_mut().reset(tokio::time::Instant::now() + p.mul_f64(0.9 + 0.2 * rng.unit()));
                }
                () = &mut write_sleep, if writing => {
                    let Some(p) = write_period else { writing = false; continue };
                    if seq >= conn.max_seq {
                        writing = false;
                        continue;
                    }
                    let next = write_sleep.deadline() + p;
                    write_sleep.as_mut().reset(next);
                    write_marker(&mut text, seq, shared.now_us(), args.payload_bytes);
                    let update = {
                        let mut txn = doc.transact_mut();
                        map.insert(&mut txn, "v", text.as_str());
                        txn.encode_update_v1()
                    };
                    let frame = board::protocol::update(update);
                    shared.sent[conn.board].fetch_add(1, Ordering::Relaxed);
                    seq += 1;
                    if ws.send(Message::Binary(frame.into())).await.is_err() {
                        st.early_end = Some("send update failed".into());
                        break;
                    }
                    st.frames_out[phase_of(&shared)] += 1;
                }
                changed = phase_rx.changed() => {
                    if changed.is_err() { ended_by_us = true; break; }
                    let phase = *phase_rx.borrow_and_update();
                    match phase {
                        STEADY => {
                            if let Some(p) = write_period {
                                writing = true;
                                write_sleep.as_mut().reset(tokio::time::Instant::now() + p.mul_f64(rng.unit()));
                            }
                        }
                        DRAIN => writing = false,
                        DONE => { ended_by_us = true; break; }
                        _ => {}
                    }
                }
            }
        }
    }
    if !synced && !early_end {
        settle();
        if st.early_end.is_none() {
            st.early_end = Some("never synced".into());
        }
    }
    shared.open.fetch_sub(1, Ordering::Relaxed);
    if ended_by_us {
        st.early_end = None;
        let _ = timeout(Duration::from_secs(2), ws.close(None)).await;
    }
    st
}

// ---------------------------------------------------------------------------------------------
// /proc sampling

#[derive(Debug, Clone, Copy, Default, Serialize)]
struct ProcSample {
    at_s: f64,
    cpu_us: u64,
    rss_kb: u64,
    rss_anon_kb: u64,
    threads: u64,
}

fn clk_tck() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as u64
    } else {
        100
    }
}

fn sample_pid(pid: u32, start: Instant) -> Option<ProcSample> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // After ')': state(3) … utime(14) stime(15): indexes 11, 12.
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Some(ProcSample {
        at_s: start.elapsed().as_secs_f64(),
        cpu_us: ticks * 1_000_000 / clk_tck(),
        rss_kb: field("VmRSS:"),
        rss_anon_kb: field("RssAnon:"),
        threads: field("Threads:"),
    })
}

fn self_cpu_us() -> u64 {
    // SAFETY: getrusage writes into the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

// ---------------------------------------------------------------------------------------------
// Report

#[derive(Debug, Serialize, Default)]
struct Report {
    label: String,
    url: String,
    boards: usize,
    per_board: usize,
    connections: usize,
    rate_per_writer: f64,
    presence_hz: f64,
    duration_s: f64,
    connected: usize,
    synced: usize,
    /// Connections that failed every attempt, by the last attempt's error.
    connect_failures: BTreeMap<String, usize>,
    /// Failed attempts that were retried, by error.
    connect_retries: BTreeMap<String, u64>,
    /// Connections that ended before the run did, by close code or error.
    early_ends: BTreeMap<String, usize>,
    time_to_connect_s: f64,
    updates_sent: u64,
    expected_deliveries: u64,
    deliveries: u64,
    lost: u64,
    duplicates: u64,
    echoes: u64,
    bad_seq: u64,
    deliveries_per_s: f64,
    presence_frames_in_per_s: f64,
    latency_p50_ms: f64,
    latency_p90_ms: f64,
    latency_p99_ms: f64,
    latency_p999_ms: f64,
    latency_max_ms: f64,
    server_before: Option<ProcSample>,
    server_idle: Option<ProcSample>,
    server_steady_start: Option<ProcSample>,
    server_end: Option<ProcSample>,
    server_kb_per_idle_conn: Option<f64>,
    server_anon_kb_per_idle_conn: Option<f64>,
    /// Server CPU share (1.0 = one core) while idle with presence, and while writing.
    server_cpu_idle_cores: Option<f64>,
    server_cpu_steady_cores: Option<f64>,
    /// Server CPU during the steady phase and drain / update deliveries.
    server_cpu_us_per_delivery: Option<f64>,
    /// The same, minus the idle (presence-only) CPU rate over the same time.
    server_cpu_us_per_delivery_net: Option<f64>,
    loadgen_cpu_steady_cores: f64,
    loadgen_cpu_us_per_frame: f64,
    loadgen_frames_per_s: f64,
    loadgen_rss_kb: u64,
}

fn parse_loopback(url: &str) -> Result<SocketAddr, String> {
    let uri: Uri = url.parse().map_err(|e| format!("bad url {url}: {e}"))?;
    if uri.scheme_str() != Some("ws") {
        return Err("only ws:// URLs (loopback, no TLS)".into());
    }
    let host = uri.host().ok_or("url without host")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = host
        .parse()
        .map_err(|_| format!("host {host} is not a literal IP address; use 127.0.0.1"))?;
    if !ip.is_loopback() {
        return Err(format!(
            "{ip} is not a loopback address: this tool only loads 127.0.0.1"
        ));
    }
    Ok(SocketAddr::new(ip, uri.port_u16().unwrap_or(80)))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let addr = match parse_loopback(&args.url) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::from(2);
        }
    };
    let total = args.boards * args.per_board;
    if total == 0 || args.per_board < 2 {
        eprintln!("loadgen: need at least one board and two connections per board");
        return ExitCode::from(2);
    }
    if args.rate > 1000.0 || args.presence_hz > 100.0 || args.duration_secs > 24 * 3600 {
        eprintln!("loadgen: rate ≤ 1000/s, presence ≤ 100 Hz, duration ≤ 24 h");
        return ExitCode::from(2);
    }
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    if total as u64 + 64 > limit {
        eprintln!("loadgen: {total} connections need more descriptors than the limit {limit}");
        return ExitCode::from(2);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.clamp(1, 64))
        .enable_all()
        .build()
        .expect("tokio runtime");
    let report = runtime.block_on(run(Arc::new(args.clone()), addr));
    print_summary(&report);
    if args.json {
        println!("{}", serde_json::to_string(&report).expect("json"));
    }
    ExitCode::SUCCESS
}

async fn run(args: Arc<Args>, addr: SocketAddr) -> Report {
    let start = Instant::now();
    let total = args.boards * args.per_board;
    // Bounded: room for the planned updates plus 10 %.
    let max_seq = (args.rate * args.duration_secs as f64 * 1.1).ceil() as u32 + 16;
    let shared = Arc::new(Shared {
        start,
        phase: AtomicU8::new(CONNECT),
        counts: (0..args.boards)
            .map(|_| (0..max_seq).map(|_| AtomicU32::new(0)).collect())
            .collect(),
        sent: (0..args.boards).map(|_| AtomicU32::new(0)).collect(),
        settled: AtomicUsize::new(0),
        synced: AtomicUsize::new(0),
        last_synced_us: AtomicU64::new(0),
        open: AtomicUsize::new(0),
    });
    let (phase_tx, phase_rx) = watch::channel(CONNECT);
    let set_phase = |p: u8| {
        shared.phase.store(p, Ordering::Relaxed);
        let _ = phase_tx.send(p);
    };
    let sample = |pid: Option<u32>| pid.and_then(|p| sample_pid(p, start));
    let mut report = Report {
        label: args.label.clone(),
        url: args.url.clone(),
        boards: args.boards,
        per_board: args.per_board,
        connections: total,
        rate_per_writer: args.rate,
        presence_hz: args.presence_hz,
        ..Default::default()
    };
    report.server_before = sample(args.server_pid);

    // Connect: writers first (index < boards), at the ramp rate, in 10 ms batches.
    let per_batch = (args.connect_per_sec as usize / 100).max(1);
    let mut handles = Vec::with_capacity(total);
    let mut tick = tokio::time::interval(Duration::from_millis(10));
    let connect_start = Instant::now();
    let mut i = 0;
    while i < total {
        tick.tick().await;
        for _ in 0..per_batch.min(total - i) {
            let board = i % args.boards;
            let conn = Conn {
                index: i,
                board,
                writer: i < args.boards,
                addr,
                url: format!("{}{}-{}", args.url, args.board_prefix, board),
                max_seq,
            };
            handles.push(tokio::spawn(client(
                conn,
                args.clone(),
                shared.clone(),
                phase_rx.clone(),
            )));
            i += 1;
        }
    }
    let deadline = connect_start + Duration::from_secs(args.connect_timeout_secs);
    while shared.settled.load(Ordering::Relaxed) < total && Instant::now() < deadline {
        sleep(Duration::from_millis(20)).await;
    }
    let synced = shared.synced.load(Ordering::Relaxed);
    report.synced = synced;
    report.time_to_connect_s = if synced > 0 {
        (shared.last_synced_us.load(Ordering::Relaxed) as f64 / 1e6
            - connect_start.duration_since(start).as_secs_f64())
        .max(0.0)
    } else {
        0.0
    };
    eprintln!(
        "[{:.1}s] {synced}/{total} synced in {:.2} s; settling {} s",
        start.elapsed().as_secs_f64(),
        report.time_to_connect_s,
        args.settle_secs
    );

    // Idle: presence only.
    set_phase(IDLE);
    let idle_from = sample(args.server_pid);
    sleep(Duration::from_secs(args.settle_secs)).await;
    report.server_idle = sample(args.server_pid);

    // Steady: writers write.
    let self_cpu0 = self_cpu_us();
    let steady_start = Instant::now();
    report.server_steady_start = sample(args.server_pid);
    set_phase(STEADY);
    eprintln!(
        "[{:.1}s] writing for {} s",
        start.elapsed().as_secs_f64(),
        args.duration_secs
    );
    sleep(Duration::from_secs(args.duration_secs)).await;
    let self_cpu1 = self_cpu_us();
    let steady_secs = steady_start.elapsed().as_secs_f64();
    set_phase(DRAIN);
    sleep(Duration::from_secs(args.drain_secs)).await;
    report.server_end = sample(args.server_pid);
    let drain_end = Instant::now();
    report.loadgen_rss_kb = sample_pid(std::process::id(), start).map_or(0, |s| s.rss_kb);
    set_phase(DONE);

    // Join, bounded: tasks close within 2 s; whatever has not ended in 15 s is aborted.
    let mut stats = Vec::with_capacity(total);
    let join_deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    for h in handles {
        let abort = h.abort_handle();
        match tokio::time::timeout_at(join_deadline, h).await {
            Ok(Ok(s)) => stats.push(s),
            Ok(Err(_)) => {}
            Err(_) => abort.abort(),
        }
    }

    // Merge.
    let mut hist: Histogram<u32> =
        Histogram::new_with_bounds(1, HIST_HIGH_US, 2).expect("histogram bounds");
    let mut max_us = 0;
    let (mut frames_steady, mut presence_steady) = (0u64, 0u64);
    for s in &stats {
        let _ = hist.add(&s.hist);
        max_us = max_us.max(s.max_us);
        if s.connected {
            report.connected += 1;
        }
        if let Some(e) = &s.connect_error {
            *report.connect_failures.entry(e.clone()).or_default() += 1;
        }
        for (e, n) in &s.retry_errors {
            *report.connect_retries.entry(e.clone()).or_default() += n;
        }
        if let Some(e) = &s.early_end {
            *report.early_ends.entry(e.clone()).or_default() += 1;
        }
        report.deliveries += s.deliveries.iter().sum::<u64>();
        report.echoes += s.echoes.iter().sum::<u64>();
        report.bad_seq += s.bad_seq;
        frames_steady += s.frames_in[STEADY as usize] + s.frames_out[STEADY as usize];
        presence_steady += s.presence_in[STEADY as usize];
    }
    let receivers = (args.per_board - 1) as u32;
    for (board, counts) in shared.counts.iter().enumerate() {
        let sent = shared.sent[board].load(Ordering::Relaxed);
        let counts: Vec<u32> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        let (lost, dup) = board_loss(sent, &counts, receivers);
        report.updates_sent += u64::from(sent);
        report.lost += lost;
        report.duplicates += dup;
    }
    report.expected_deliveries = report.updates_sent * u64::from(receivers);
    report.duration_s = steady_secs;
    report.deliveries_per_s = report.deliveries as f64 / steady_secs;
    report.presence_frames_in_per_s = presence_steady as f64 / steady_secs;
    let ms = |q: f64| hist.value_at_quantile(q) as f64 / 1000.0;
    if !hist.is_empty() {
        report.latency_p50_ms = ms(0.50);
        report.latency_p90_ms = ms(0.90);
        report.latency_p99_ms = ms(0.99);
        report.latency_p999_ms = ms(0.999);
        report.latency_max_ms = max_us as f64 / 1000.0;
    }
    let self_cpu = self_cpu1.saturating_sub(self_cpu0) as f64;
    report.loadgen_cpu_steady_cores = self_cpu / 1e6 / steady_secs;
    report.loadgen_frames_per_s = frames_steady as f64 / steady_secs;
    report.loadgen_cpu_us_per_frame = if frames_steady > 0 {
        self_cpu / frames_steady as f64
    } else {
        0.0
    };

    if let (Some(b), Some(i)) = (report.server_before, report.server_idle) {
        let n = report.connected.max(1) as f64;
        report.server_kb_per_idle_conn = Some(i.rss_kb.saturating_sub(b.rss_kb) as f64 / n);
        report.server_anon_kb_per_idle_conn =
            Some(i.rss_anon_kb.saturating_sub(b.rss_anon_kb) as f64 / n);
    }
    if let (Some(a), Some(b)) = (idle_from, report.server_idle) {
        let secs = (b.at_s - a.at_s).max(1e-3);
        report.server_cpu_idle_cores = Some(b.cpu_us.saturating_sub(a.cpu_us) as f64 / 1e6 / secs);
    }
    if let (Some(a), Some(b)) = (report.server_steady_start, report.server_end) {
        let cpu = b.cpu_us.saturating_sub(a.cpu_us) as f64;
        let secs = drain_end.duration_since(steady_start).as_secs_f64();
        report.server_cpu_steady_cores = Some(cpu / 1e6 / secs);
        if report.deliveries > 0 {
            let d = report.deliveries as f64;
            report.server_cpu_us_per_delivery = Some(cpu / d);
            let idle = report.server_cpu_idle_cores.unwrap_or(0.0) * 1e6 * secs;
            report.server_cpu_us_per_delivery_net = Some((cpu - idle).max(0.0) / d);
        }
    }
    report
}

fn print_summary(r: &Report) {
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
    eprintln!(
        "== {} {} ({} boards × {}, {} writes/s/writer, presence {} Hz)",
        r.label, r.url, r.boards, r.per_board, r.rate_per_writer, r.presence_hz
    );
    eprintln!(
        "connect: {}/{} connected, {} synced in {:.2} s; failures {:?}; retried {:?}",
        r.connected,
        r.connections,
        r.synced,
        r.time_to_connect_s,
        r.connect_failures,
        r.connect_retries
    );
    eprintln!("ended early: {:?}", r.early_ends);
    eprintln!(
        "updates sent {} → deliveries {} of {} expected ({:.0}/s), lost {}, duplicates {}, echoes {}",
        r.updates_sent, r.deliveries, r.expected_deliveries, r.deliveries_per_s, r.lost, r.duplicates, r.echoes
    );
    eprintln!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        r.latency_p50_ms, r.latency_p90_ms, r.latency_p99_ms, r.latency_p999_ms, r.latency_max_ms
    );
    eprintln!("presence frames in: {:.0}/s", r.presence_frames_in_per_s);
    if let (Some(b), Some(i), Some(e)) = (r.server_before, r.server_idle, r.server_end) {
        eprintln!(
            "server RSS KB: before {} (anon {}), idle {} (anon {}) → {} KB/idle conn (anon {}), end {} (anon {})",
            b.rss_kb, b.rss_anon_kb, i.rss_kb, i.rss_anon_kb, opt(r.server_kb_per_idle_conn), opt(r.server_anon_kb_per_idle_conn), e.rss_kb, e.rss_anon_kb
        );
        eprintln!(
            "server CPU: idle {} cores, steady {} cores, {} µs/delivery ({} net of idle presence)",
            opt(r.server_cpu_idle_cores),
            opt(r.server_cpu_steady_cores),
            opt(r.server_cpu_us_per_delivery),
            opt(r.server_cpu_us_per_delivery_net)
        );
    }
    eprintln!(
        "loadgen: {:.2} cores in steady phase, {:.0} frames/s, {:.2} µs CPU/frame, RSS {} KB",
        r.loadgen_cpu_steady_cores,
        r.loadgen_frames_per_s,
        r.loadgen_cpu_us_per_frame,
        r.loadgen_rss_kb
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_marker_and_skips_malformed_ones() {
        let mut s = String::new();
        write_marker(&mut s, 42, 1_234_567, 40);
        assert_eq!(s.len(), 40);
        assert!(s.starts_with("@LG42:1234567@x"));
        let mut frame = vec![0u8, 2, 0x11, 0x80];
        frame.extend_from_slice(s.as_bytes());
        frame.extend_from_slice(b"\x00@LG:5@ @LGx1:2@ @LG7:@ @LG3:9 ");
        write_marker(&mut s, 43, 1_234_999, 0);
        frame.extend_from_slice(s.as_bytes());
        let mut found = Vec::new();
        let n = scan_markers(&frame, |seq, us| found.push((seq, us)));
        assert_eq!(n, 2);
        assert_eq!(found, vec![(42, 1_234_567), (43, 1_234_999)]);
        assert_eq!(
            scan_markers(b"@LG99999999999:1@", |_, _| {}),
            0,
            "seq past u32"
        );
        assert_eq!(scan_markers(b"", |_, _| {}), 0);
    }

    #[test]
    fn marker_survives_a_yrs_update() {
        let doc = Doc::with_client_id(7);
        let map = doc.get_or_insert_map("lg");
        let mut s = String::new();
        let mut seen = Vec::new();
        for seq in 0..3 {
            write_marker(&mut s, seq, 1000 + u64::from(seq), 64);
            let update = {
                let mut txn = doc.transact_mut();
                map.insert(&mut txn, "v", s.as_str());
                txn.encode_update_v1()
            };
            let frame = board::protocol::update(update);
            assert_eq!(&frame[..2], &[0, 2]);
            scan_markers(&frame, |q, us| seen.push((q, us)));
        }
        assert_eq!(seen, vec![(0, 1000), (1, 1001), (2, 1002)]);
    }

    #[test]
    fn loss_counts_missing_and_duplicate_deliveries() {
        // 4 sent, 3 receivers: seq 1 missing one, seq 3 never arrived, seq 2 one duplicate.
        assert_eq!(board_loss(4, &[3, 2, 4, 0, 0], 3), (1 + 3, 1));
        // Deliveries past what was sent are ignored; nothing sent, nothing lost.
        assert_eq!(board_loss(0, &[3, 3], 3), (0, 0));
        assert_eq!(board_loss(2, &[9, 9], 9), (0, 0));
        // A counts table shorter than sent counts the rest as lost.
        assert_eq!(board_loss(3, &[1], 1), (2, 0));
    }

    #[test]
    fn awareness_frame_decodes() {
        let frame = awareness_frame(1_000_123, 5, r##"{"user":{"name":"a","color":"#fff"}}"##);
        let msgs = board::protocol::decode_frame(&frame).expect("decodes");
        match &msgs[..] {
            [yrs::sync::Message::Awareness(u)] => {
                let (id, e) = u.clients.iter().next().expect("one client");
                assert_eq!(format!("{id}"), "1000123");
                assert_eq!(e.clock, 5);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn refuses_non_loopback_urls() {
        assert!(parse_loopback("ws://127.0.0.1:3000/ws/").is_ok());
        assert!(parse_loopback("ws://[::1]:3000/").is_ok());
        assert!(parse_loopback("ws://10.0.0.1:3000/ws/").is_err());
        assert!(parse_loopback("ws://example.com/ws/").is_err());
        assert!(parse_loopback("wss://127.0.0.1/ws/").is_err());
    }
}
