//! The `gradfield` command line: clap parsing, then the library. Errors are
//! printed once; the exit code is 2 for wrong input, 1 for anything else.

mod cli;
mod viewer;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args = <cli::Cli as clap::Parser>::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = report(&e);
            ExitCode::from(code)
        }
    }
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
