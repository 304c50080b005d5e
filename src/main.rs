use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match ssosetup::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print and succeed; a usage error (an
            // unknown flag, a bad value) is bad input like a bad config:
            // exit 1, as the README says. 2 stays for unexpected errors.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                ssosetup::exit::USER
            } else {
                ssosetup::exit::OK
            });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            // Before the printer exists: the one message main prints.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: cannot start the async runtime: {e}");
            }
            return ExitCode::from(ssosetup::exit::UNEXPECTED);
        }
    };
    ExitCode::from(runtime.block_on(ssosetup::run(cli)))
}
