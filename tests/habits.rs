//! What users expect of a command-line tool: a manual page, a choice of
//! adapter (`--adapter`, the WGPU_* variables, `info` listing every adapter),
//! and logging through `RUST_LOG` that is quiet by default.

use serde_json::Value;
use std::process::{Command, Output};

/// The binary with `args`, the environment given and the variables it reads removed.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gradfield"));
    for v in [
        "RUST_LOG",
        "WGPU_ADAPTER_NAME",
        "WGPU_BACKEND",
        "WGPU_POWER_PREF",
    ] {
        cmd.env_remove(v);
    }
    cmd.args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn info(args: &[&str]) -> Value {
    let o = run(&[&["info", "--json"], args].concat(), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("info --json is JSON")
}

#[test]
fn man_prints_a_roff_page_naming_every_subcommand() {
    let o = run(&["man"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(
        page.starts_with(".ie \\n(.g") || page.starts_with(".TH"),
        "{}",
        &page[..80]
    );
    assert!(page.contains(".TH gradfield 1"), "no title line");
    for sub in [
        "functions",
        "eval",
        "descend",
        "critical",
        "render",
        "compare",
        "record",
        "view",
        "bench",
        "info",
        "completions",
        "man",
    ] {
        assert!(
            page.contains(&format!("{sub}(1)")),
            "{sub} missing from the page"
        );
    }
    // The global flag, roff-escaped.
    assert!(page.contains("\\-\\-adapter"), "--adapter missing");
}

#[test]
fn info_lists_every_adapter_and_marks_the_one_in_use() {
    let v = info(&[]);
    let name = v["adapter"].as_str().unwrap().to_string();
    let list = v["adapters"].as_array().expect("adapters list");
    assert!(!list.is_empty());
    let used: Vec<&Value> = list.iter().filter(|a| a["in_use"] == true).collect();
    assert_eq!(used.len(), 1, "{list:?}");
    assert_eq!(used[0]["name"], name.as_str());
    for a in list {
        for key in ["name", "backend", "device_type", "driver", "driver_info"] {
            assert!(a[key].is_string(), "{key} in {a}");
        }
    }
    // The text form lists them too, the one in use starred.
    let o = run(&["info"], &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("adapters seen"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("* ") && l.contains(name.as_str())),
        "{text}"
    );
}

#[test]
fn adapter_by_name_case_insensitive_and_from_the_environment() {
    let name = info(&[])["adapter"].as_str().unwrap().to_string();
    // A part of the name, in upper case, picks the same adapter.
    let part: String = name.chars().take(4).collect::<String>().to_uppercase();
    let v = info(&["--adapter", &part]);
    assert_eq!(v["adapter"], name.as_str());
    let o = run(&["info", "--json"], &[("WGPU_ADAPTER_NAME", &part)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["adapter"], name.as_str());
}

#[test]
fn an_unknown_adapter_exits_2_naming_the_available_ones() {
    let name = info(&[])["adapter"].as_str().unwrap().to_string();
    // The flag comes before or after the subcommand (it is global).
    for args in [
        &["--adapter", "no-such-gpu", "info"][..],
        &[
            "descend",
            "x^2",
            "--from",
            "1,1",
            "--adapter",
            "no-such-gpu",
        ][..],
    ] {
        let o = run(args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(
            e.starts_with("error: --adapter 'no-such-gpu' matches no adapter; available: "),
            "{e}"
        );
        assert!(e.contains(name.as_str()), "{e}");
    }
    // A command without GPU work accepts the flag and does not use it.
    let o = run(
        &["eval", "x^2", "--at", "1,1", "--adapter", "no-such-gpu"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["info"], &[("WGPU_ADAPTER_NAME", "no-such-gpu")]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("WGPU_ADAPTER_NAME 'no-such-gpu' matches no adapter"),
        "{}",
        stderr(&o)
    );
    // --adapter wins over the variable.
    let part: String = name.chars().take(4).collect();
    let o = run(
        &["info", "--adapter", &part],
        &[("WGPU_ADAPTER_NAME", "no-such-gpu")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn bad_wgpu_variables_are_input_errors() {
    for (var, val, says) in [
        (
            "WGPU_POWER_PREF",
            "turbo",
            "WGPU_POWER_PREF=turbo is not low, high or none",
        ),
        (
            "WGPU_BACKEND",
            "glide",
            "WGPU_BACKEND=glide names no backend",
        ),
    ] {
        let o = run(&["info"], &[(var, val)]);
        assert_eq!(o.status.code(), Some(2), "{var}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
    // Good values work.
    let o = run(
        &["info"],
        &[("WGPU_POWER_PREF", "low"), ("WGPU_BACKEND", "vulkan,gl")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn logging_is_quiet_by_default_and_debug_on_request() {
    let o = run(&["info"], &[]);
    assert!(o.status.success());
    // No log lines by default (the driver may print its own notes).
    let quiet = stderr(&o);
    assert!(
        !quiet.contains("DEBUG") && !quiet.contains(" INFO") && !quiet.contains("wgpu_"),
        "log lines without RUST_LOG: {quiet}"
    );
    let o = run(&["info"], &[("RUST_LOG", "gradfield=debug")]);
    assert!(o.status.success());
    let e = stderr(&o);
    let name = info(&[])["adapter"].as_str().unwrap().to_string();
    assert!(
        e.lines()
            .any(|l| l.contains("DEBUG") && l.contains(&format!("using {name}"))),
        "{e}"
    );
    assert!(e.contains("adapter seen: "), "{e}");
    // Only gradfield's own lines: wgpu's need their own filter.
    assert!(
        e.lines().all(|l| !l.contains(" wgpu")),
        "wgpu's lines leaked into gradfield=debug: {e}"
    );
}
