//! The binary's private `XDG_RUNTIME_DIR`: made fresh (random name, mode
//! 700, owned by us) only when the variable is unset, and removed at exit.
#![cfg(unix)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tempdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gradfield-rt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Without `XDG_RUNTIME_DIR` the binary makes a fresh private one for its
/// children (here a stand-in ffmpeg that reports it) and removes it at exit.
#[test]
fn binary_makes_a_private_runtime_dir_and_removes_it() {
    let d = tempdir("runtime");
    let tmp = d.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // Someone else's directory under the old predictable name is no longer used.
    std::fs::create_dir(tmp.join("gradfield-runtime-root")).unwrap();
    let report = d.join("report.txt");
    let script = d.join("ffmpeg");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nstat -c '%n %a %u' \"$XDG_RUNTIME_DIR\" > '{}'\ncat > /dev/null\n\
             for last; do :; done\nprintf x > \"$last\"\n",
            report.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = d.join("v.mp4");
    let o = Command::new(env!("CARGO_BIN_EXE_gradfield"))
        .args([
            "record", "x^2", "--size", "64x64", "--frames", "1", "--quiet", "-o",
        ])
        .arg(&out)
        .env_remove("XDG_RUNTIME_DIR")
        .env("TMPDIR", &tmp)
        .env("GRADFIELD_FFMPEG", &script)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let r = std::fs::read_to_string(&report).unwrap();
    let f: Vec<&str> = r.split_whitespace().collect();
    assert_eq!(f.len(), 3, "{r}");
    let dir = Path::new(f[0]);
    assert_eq!(dir.parent(), Some(tmp.as_path()), "{r}");
    assert!(
        dir.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("gradfield-runtime-")
            && dir != tmp.join("gradfield-runtime-root"),
        "{r}"
    );
    assert_eq!(f[1], "700", "{r}");
    assert_eq!(
        f[2],
        std::fs::metadata(&d).unwrap().uid().to_string(),
        "{r}"
    );
    assert!(!dir.exists(), "{} was left behind", dir.display());
    assert_eq!(std::fs::read(&out).unwrap(), b"x");
    // An XDG_RUNTIME_DIR already set is used as it is.
    let o = Command::new(env!("CARGO_BIN_EXE_gradfield"))
        .args([
            "record", "x^2", "--size", "64x64", "--frames", "1", "--quiet", "-o",
        ])
        .arg(&out)
        .env("XDG_RUNTIME_DIR", &d)
        .env("GRADFIELD_FFMPEG", &script)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let r = std::fs::read_to_string(&report).unwrap();
    assert!(r.starts_with(&format!("{} ", d.display())), "{r}");
}
