//! `beatbook`: the headless device, benchmarks, and (with the sync issue) the HQ server.
#![forbid(unsafe_code)]

mod bench;
mod device;
mod hq;
mod output;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "beatbook",
    version,
    about = "Beatbook: neighbourhood policing records, offline first"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A headless device: the tablet's encrypted store, driven from the command line.
    Device(device::DeviceArgs),
    /// The HQ server and its administration.
    Hq(hq::HqArgs),
    /// Measure speed (figures for BENCHMARKS.md).
    Bench(bench::BenchArgs),
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Device(args) => device::run(args),
        Command::Hq(args) => hq::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            ExitCode::FAILURE
        }
    }
}
