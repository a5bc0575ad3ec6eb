//! `igdesk bench`: measurements printed for docs/BENCHMARKS.md.

mod baseline;
mod intake;
mod sends;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Signed deliveries per second durably acknowledged, against a minimal baseline.
    Intake(intake::IntakeArgs),
    /// The outbox: the account limit kept, the console lane's wait behind API
    /// traffic, sends per second with the limit raised, many accounts at once.
    Sends(sends::SendArgs),
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Intake(args) => intake::run(args).await,
        BenchCommand::Sends(args) => sends::run(args).await,
    }
}
