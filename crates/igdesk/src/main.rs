fn main() -> std::process::ExitCode {
    igdesk::cli::main()
}
