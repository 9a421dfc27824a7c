//! The operator's subcommands, run instead of the server against the same database:
//! `server export <board> --format svg|png|json [--out FILE]` and `server backup <FILE>`.
//! Both may run while a server is serving the database (SQLite in WAL mode lets them read a
//! consistent snapshot beside its writes); export works on PostgreSQL too.

use std::path::PathBuf;

use anyhow::{bail, Context};
use board::BoardId;
use clap::{Subcommand, ValueEnum};

use crate::config::Database;
use crate::export;
use crate::store::SqliteStore;
use crate::Config;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Writes one board as an SVG, PNG or JSON file (the formats of the Export dialog).
    Export {
        /// The board's id (the part of its link after /b/).
        board: String,
        #[arg(long, value_enum, default_value_t = Format::Svg)]
        format: Format,
        /// Where to write; standard output when absent.
        #[arg(long)]
        out: Option<PathBuf>,
        /// PNG pixels per board unit (1, 2 or 3).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// The dark theme's colours.
        #[arg(long)]
        dark: bool,
        /// Leave the background transparent.
        #[arg(long)]
        no_background: bool,
    },
    /// Writes a consistent copy of the whole database to a new file, while serving.
    Backup {
        /// The copy's path; it must not exist yet.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Svg,
    Png,
    Json,
}

/// Runs one subcommand to completion.
pub async fn run(command: Command, config: &Config) -> anyhow::Result<()> {
    match command {
        Command::Backup { file } => {
            if config.database().map_err(anyhow::Error::msg)? != Database::Sqlite {
                bail!("backup copies a SQLite database; back up PostgreSQL with pg_dump");
            }
            let store = SqliteStore::open(&config.database_url, config.sqlite_sync == "full")
                .await
                .with_context(|| format!("cannot open the database {}", config.database_url))?;
            store
                .backup(&file)
                .await
                .with_context(|| format!("cannot back up to {}", file.display()))?;
            eprintln!("backed up to {}", file.display());
        }
        Command::Export {
            board,
            format,
            out,
            scale,
            dark,
            no_background,
        } => {
            let id = BoardId::parse(&board).context("not a board id")?;
            let store = crate::open_store(config).await?;
            if !store.board_exists(&id).await? {
                bail!("no board {board} in this database");
            }
            let scene = export::load(&*store, &id, usize::MAX).await?;
            let images = export::images(&*store, &id, &scene.shapes).await?;
            let opts = board::svg::SvgOptions {
                background: !no_background,
                dark,
                scale,
                ..board::svg::SvgOptions::default()
            };
            let bytes = match format {
                Format::Json => export::json(&scene, &images).into_bytes(),
                Format::Svg => export::svg(&scene, &images, &opts).into_bytes(),
                Format::Png => export::png(&scene, &images, &opts, u64::MAX)?,
            };
            match out {
                Some(path) => std::fs::write(&path, &bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
        }
    }
    Ok(())
}
