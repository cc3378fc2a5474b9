//! The `gradfield` command line: clap parsing, then the library. Errors are
//! printed once; the exit code is 2 for wrong input, 1 for anything else.

mod cli;
mod viewer;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    init_logging();
    let args = match <cli::Cli as clap::Parser>::try_parse() {
        Ok(a) => a,
        Err(e) => return usage_error(e),
    };
    // Removed when main returns: nothing may call `process::exit`.
    let _runtime_dir = private_runtime_dir();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<cli::Exit>() {
            Some(cli::Exit(code)) => ExitCode::from(*code),
            None => ExitCode::from(report(&e)),
        },
    }
}

/// Diagnostics through `log` to stderr, filtered by `RUST_LOG`
/// (`RUST_LOG=gradfield=debug`; `RUST_LOG=wgpu_core=warn,wgpu_hal=warn` for
/// wgpu's warnings). Quiet by default: only gradfield's own warnings.
fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("gradfield=warn"))
        .init();
}

/// A clap error: `--help` and `--version` (and a bare `gradfield`, which
/// shows the help) print as clap prints them; a usage error is kept to the
/// one-line `error: ...` form plus a one-line hint, like other input errors,
/// and exits 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
    }
    let text = e.render().to_string();
    let mut lines = text.lines();
    // The message, with the indented lines that continue it (the missing
    // arguments) folded onto it.
    let mut first = lines
        .next()
        .unwrap_or("error: invalid arguments")
        .trim_end_matches(':')
        .to_string();
    let mut rest = lines.skip_while(|l| l.starts_with(' ') && !l.trim().is_empty());
    let continued: Vec<&str> = text
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with(' ') && !l.trim().is_empty())
        .map(str::trim)
        .collect();
    if !continued.is_empty() {
        first = format!("{first}: {}", continued.join(", "));
    }
    let hint = rest
        .find(|l| l.contains("--help"))
        .map(str::trim)
        .unwrap_or("For more information, try '--help'.");
    eprintln!("{first}\n{hint}");
    ExitCode::from(2)
}

/// Prints the error (with the caret picture for expressions) and picks the exit code.
fn report(e: &anyhow::Error) -> u8 {
    let lib = e.chain().find_map(|c| c.downcast_ref::<gradfield::Error>());
    eprintln!("error: {}", one_line(e));
    if let Some(gradfield::Error::Parse(p)) = lib {
        eprintln!("{}", p.caret());
    }
    match lib {
        Some(l) if l.is_user_error() => 2,
        _ => 1,
    }
}

/// The context chain on one line: "reading scene.toml: line 3: …".
fn one_line(e: &anyhow::Error) -> String {
    // Library errors already print their source; skip links the line already says.
    let mut line = String::new();
    for c in e.chain() {
        let s = c.to_string();
        if !line.contains(&s) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&s);
        }
    }
    line.replace('\n', " ")
}

/// A private `XDG_RUNTIME_DIR` made for this run; removed when dropped.
struct RuntimeDir(PathBuf);

impl Drop for RuntimeDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Mesa's drivers and winit complain without `XDG_RUNTIME_DIR`, which
/// headless machines and xvfb-run often lack. When it is unset, creates a
/// fresh directory only this user can enter, mkdtemp-style (a random name,
/// created exclusively: never one that already exists, whoever owns it), and
/// points `XDG_RUNTIME_DIR` at it.
///
/// The only place gradfield touches the environment: main calls it before any
/// thread starts. Nothing is set when no such directory can be made.
fn private_runtime_dir() -> Option<RuntimeDir> {
    use std::hash::BuildHasher;
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return None;
    }
    let base = std::env::temp_dir();
    for attempt in 0..100u32 {
        // RandomState's keys come from the operating system's random source.
        let r =
            std::collections::hash_map::RandomState::new().hash_one((std::process::id(), attempt));
        let dir = base.join(format!("gradfield-runtime-{r:016x}"));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        match builder.create(&dir) {
            Ok(()) => {
                let guard = RuntimeDir(dir);
                #[cfg(unix)]
                {
                    // Exactly 0700 whatever the umask (it can only have taken bits away).
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::Permissions::from_mode(0o700);
                    std::fs::set_permissions(&guard.0, mode).ok()?;
                }
                // SAFETY: main calls this before any thread starts, so no
                // other thread can be reading the environment.
                unsafe { std::env::set_var("XDG_RUNTIME_DIR", &guard.0) };
                return Some(guard);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => return None,
        }
    }
    None
}
