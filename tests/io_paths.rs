//! Output paths of every kind (`gradfield::io`): a regular file is replaced
//! atomically, a symbolic link stays a link and its target gets the bytes,
//! devices, FIFOs and sockets are written straight through, `-` is standard
//! output.
#![cfg(unix)]

use gradfield::io::{resolve_output, temp_beside, write_bytes_atomic, Target};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh directory, removed (with what the test left in it) when dropped.
fn tempdir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("gradfield-io-{name}-"))
        .tempdir()
        .unwrap()
}

/// Names in `dir` holding ".partial": temporary files left behind.
fn partials(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect()
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap()
}

#[test]
fn a_regular_file_is_replaced_atomically_keeping_its_mode() {
    let d_guard = tempdir("regular");
    let d = d_guard.path();
    let p = d.join("out.json");
    std::fs::write(&p, "old").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    let inode = std::fs::metadata(&p).unwrap().ino();
    assert_eq!(resolve_output(&p).unwrap(), Target::Atomic(canonical(&p)));
    write_bytes_atomic(&p, b"new").unwrap();
    assert_eq!(std::fs::read(&p).unwrap(), b"new");
    let m = std::fs::metadata(&p).unwrap();
    assert_ne!(m.ino(), inode, "not renamed into place");
    assert_eq!(m.permissions().mode() & 0o777, 0o640);
    // A path that does not exist yet, relative to the working directory's view.
    let fresh = d.join("fresh.csv");
    write_bytes_atomic(&fresh, b"a,b\n").unwrap();
    assert_eq!(std::fs::read(&fresh).unwrap(), b"a,b\n");
    assert!(partials(d).is_empty(), "{:?}", partials(d));
}

#[test]
fn a_failed_write_leaves_the_file_and_no_temporary() {
    let d_guard = tempdir("failed");
    let d = d_guard.path();
    let p = d.join("keep.json");
    std::fs::write(&p, "good").unwrap();
    let r = gradfield::io::write_atomic(&p, |w| {
        w.write_all(b"half").unwrap();
        Err(gradfield::Error::input("stopped"))
    });
    assert!(r.is_err());
    assert_eq!(std::fs::read(&p).unwrap(), b"good");
    assert!(partials(d).is_empty(), "{:?}", partials(d));
}

#[test]
fn a_symlink_stays_a_link_and_its_target_gets_the_content() {
    let d_guard = tempdir("symlink");
    let d = d_guard.path();
    std::fs::create_dir(d.join("real")).unwrap();
    std::fs::create_dir(d.join("links")).unwrap();
    let real = d.join("real").join("r.json");
    std::fs::write(&real, "old").unwrap();
    // links/a -> ../real/r.json (relative to the link's directory), links/b -> a.
    let a = d.join("links").join("a");
    let b = d.join("links").join("b");
    std::os::unix::fs::symlink("../real/r.json", &a).unwrap();
    std::os::unix::fs::symlink("a", &b).unwrap();
    assert_eq!(
        resolve_output(&b).unwrap(),
        Target::Atomic(canonical(&real))
    );
    write_bytes_atomic(&b, b"through two links").unwrap();
    for link in [&a, &b] {
        assert!(std::fs::symlink_metadata(link)
            .unwrap()
            .file_type()
            .is_symlink());
    }
    assert_eq!(std::fs::read_link(&a).unwrap(), Path::new("../real/r.json"));
    assert_eq!(std::fs::read(&real).unwrap(), b"through two links");
    // The temporary file was made beside the target, not beside the link.
    let t = temp_beside(&b).unwrap();
    assert_eq!(t.path.parent(), Some(canonical(&d.join("real")).as_path()));
    std::fs::remove_file(&t.path).unwrap();
    assert!(partials(&d.join("real")).is_empty());
    assert!(partials(&d.join("links")).is_empty());
}

#[test]
fn a_dangling_symlink_gets_its_target_created() {
    let d_guard = tempdir("dangling");
    let d = d_guard.path();
    let link = d.join("out.json");
    std::os::unix::fs::symlink("made.json", &link).unwrap();
    assert_eq!(
        resolve_output(&link).unwrap(),
        Target::Atomic(canonical(d).join("made.json"))
    );
    write_bytes_atomic(&link, b"{}\n").unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read(d.join("made.json")).unwrap(), b"{}\n");
    assert!(partials(d).is_empty(), "{:?}", partials(d));
}

#[test]
fn a_link_loop_and_a_directory_are_the_users_errors() {
    let d_guard = tempdir("errors");
    let d = d_guard.path();
    std::os::unix::fs::symlink("y", d.join("x")).unwrap();
    std::os::unix::fs::symlink("x", d.join("y")).unwrap();
    let e = write_bytes_atomic(&d.join("x"), b"z").unwrap_err();
    assert!(e.is_user_error(), "{e}");
    assert!(
        e.to_string().contains("too many levels of symbolic links"),
        "{e}"
    );
    for p in [
        d.to_path_buf(),
        PathBuf::from(format!("{}/", d.join("new").display())),
    ] {
        let e = write_bytes_atomic(&p, b"z").unwrap_err();
        assert!(e.is_user_error(), "{e}");
        assert!(e.to_string().contains("is a directory"), "{e}");
        assert!(!e.to_string().contains('\n'), "{e}");
    }
    // A link to a directory is a directory too.
    std::os::unix::fs::symlink(".", d.join("here")).unwrap();
    assert!(resolve_output(&d.join("here")).unwrap_err().is_user_error());
    // A directory above the file that does not exist: an I/O error naming it.
    let e = write_bytes_atomic(&d.join("no-such-dir").join("f.json"), b"z").unwrap_err();
    assert!(!e.is_user_error(), "{e}");
    assert!(
        e.to_string().contains("no-such-dir") && e.to_string().contains("does not exist"),
        "{e}"
    );
    assert!(!d.join("no-such-dir").exists());
}

#[test]
fn dev_null_is_written_through_and_stays_a_device() {
    assert_eq!(
        resolve_output(Path::new("/dev/null")).unwrap(),
        Target::Direct(PathBuf::from("/dev/null"))
    );
    write_bytes_atomic(Path::new("/dev/null"), b"discarded").unwrap();
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    // Through a link: the link stays, the device gets the bytes.
    let d_guard = tempdir("devnull");
    let d = d_guard.path();
    let link = d.join("sink.json");
    std::os::unix::fs::symlink("/dev/null", &link).unwrap();
    write_bytes_atomic(&link, b"discarded").unwrap();
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(std::fs::metadata("/dev/null")
        .unwrap()
        .file_type()
        .is_char_device());
    assert!(partials(d).is_empty() && partials(Path::new("/dev")).is_empty());
    // Temporary files for the encoders are refused for a device.
    assert!(temp_beside(&link).err().unwrap().is_user_error());
}

#[test]
fn standard_output_names_resolve_without_being_replaced() {
    // Only resolved here, never written: a wrong answer must not touch the machine's /dev/stdout.
    assert_eq!(resolve_output(Path::new("-")).unwrap(), Target::Stdout);
    for p in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
        if Path::new(p).exists() {
            assert_eq!(resolve_output(Path::new(p)).unwrap(), Target::Stdout, "{p}");
        }
    }
    assert!(temp_beside(Path::new("-")).err().unwrap().is_user_error());
    // A file named "-" is still reachable as ./-.
    assert!(matches!(
        resolve_output(Path::new("./-")).unwrap(),
        Target::Atomic(_)
    ));
}

#[test]
fn a_fifo_is_written_through_to_its_reader() {
    let d_guard = tempdir("fifo");
    let d = d_guard.path();
    let fifo = d.join("pipe.csv");
    let st = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(st.success());
    assert!(matches!(resolve_output(&fifo).unwrap(), Target::Direct(_)));
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    write_bytes_atomic(&fifo, b"x,y\n1,2\n").unwrap();
    assert_eq!(reader.join().unwrap(), "x,y\n1,2\n");
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(partials(d).is_empty(), "{:?}", partials(d));
}

#[test]
fn a_unix_socket_is_written_through_to_its_listener() {
    let d_guard = tempdir("socket");
    let d = d_guard.path();
    let sock = d.join("report.sock");
    let listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut got = Vec::new();
        s.read_to_end(&mut got).unwrap();
        got
    });
    write_bytes_atomic(&sock, b"{\"ok\":true}\n").unwrap();
    assert_eq!(server.join().unwrap(), b"{\"ok\":true}\n");
    assert!(std::fs::symlink_metadata(&sock)
        .unwrap()
        .file_type()
        .is_socket());
}

#[test]
fn a_planted_link_at_a_temporary_name_is_never_followed() {
    let d_guard = tempdir("planted");
    let d = d_guard.path();
    let victim = d.join("victim");
    std::fs::write(&victim, "untouched").unwrap();
    // Links at the first temporary names this process could pick for out.json.
    for n in 0..50 {
        let name = format!(".out.json.{}.{n}.partial", std::process::id());
        std::os::unix::fs::symlink(&victim, d.join(name)).unwrap();
    }
    write_bytes_atomic(&d.join("out.json"), b"report").unwrap();
    assert_eq!(std::fs::read(&victim).unwrap(), b"untouched");
    assert_eq!(std::fs::read(d.join("out.json")).unwrap(), b"report");
    // The planted links are still there, every one of them a link.
    assert_eq!(partials(d).len(), 50);
}

fn gradfield(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradfield"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const COMPARE: [&str; 8] = [
    "compare",
    "x^2 + y^2",
    "--starts",
    "grid:4x4",
    "--lr",
    "0.1",
    "--cpu",
    "--quiet",
];

#[test]
fn binary_compare_json_and_csv_dash_write_to_standard_output() {
    let o = gradfield(&[&COMPARE[..], &["--json", "-"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    // Standard output holds the JSON alone; the table went to standard error.
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    assert_eq!(v["optimizers"][0]["converged"], 16, "{v}");
    assert!(stderr(&o).contains("gd"), "{}", stderr(&o));
    assert!(!Path::new("-").exists());

    let o = gradfield(&[&COMPARE[..], &["--csv", "-"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = String::from_utf8(o.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("start_x,start_y,optimizer,end_x,end_y,value,status,steps,destination")
    );
    assert_eq!(lines.count(), 16);

    // Two outputs on standard output: the user's error, before any work.
    let o = gradfield(&[&COMPARE[..], &["--json", "-", "--csv", "-"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("standard output"), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
}

#[test]
fn binary_compare_writes_through_links_and_refuses_a_directory() {
    let d_guard = tempdir("bin-compare");
    let d = d_guard.path();
    let real = d.join("real.json");
    let link = d.join("link.json");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    let o = gradfield(&[&COMPARE[..], &["--json", link.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&real).unwrap()).unwrap();
    assert_eq!(v["optimizers"][0]["converged"], 16, "{v}");

    let o = gradfield(&[&COMPARE[..], &["--csv", d.to_str().unwrap()]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("is a directory") && e.contains(d.to_str().unwrap()),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(partials(d).is_empty(), "{:?}", partials(d));
}

/// The encoders' outputs through links: a GIF's link stays and its target gets
/// the animation; a PNG sequence into a link to an empty directory fills that
/// directory instead of replacing the link with a new one.
#[test]
fn record_outputs_through_links_keep_the_links() {
    use gradfield::image::Image;
    use gradfield::record::{gif::GifSink, pngseq::PngSeqSink, FrameSink, SinkOptions};
    let d_guard = tempdir("record-links");
    let d = d_guard.path();
    let frames = [[255, 0, 0, 255], [0, 0, 255, 255]].map(|c| Image::new(16, 16, c));

    std::fs::create_dir(d.join("real")).unwrap();
    let gif_link = d.join("anim.gif");
    std::os::unix::fs::symlink("real/anim.gif", &gif_link).unwrap();
    let mut sink =
        Box::new(GifSink::create(&gif_link, 16, 16, 10.0, &SinkOptions::default()).unwrap());
    for f in &frames {
        sink.push(f).unwrap();
    }
    sink.finish().unwrap();
    assert!(std::fs::symlink_metadata(&gif_link)
        .unwrap()
        .file_type()
        .is_symlink());
    let bytes = std::fs::read(d.join("real").join("anim.gif")).unwrap();
    assert!(bytes.starts_with(b"GIF89a"), "{:?}", &bytes[..6]);

    std::fs::create_dir(d.join("frames-real")).unwrap();
    let dir_link = d.join("frames");
    std::os::unix::fs::symlink("frames-real", &dir_link).unwrap();
    let opts = SinkOptions {
        frames: 2,
        ..SinkOptions::default()
    };
    let out = PathBuf::from(format!("{}/", dir_link.display()));
    let mut sink = Box::new(PngSeqSink::create(&out, 16, 16, 10.0, &opts).unwrap());
    for f in &frames {
        sink.push(f).unwrap();
    }
    sink.finish().unwrap();
    assert!(std::fs::symlink_metadata(&dir_link)
        .unwrap()
        .file_type()
        .is_symlink());
    let mut names: Vec<String> = std::fs::read_dir(d.join("frames-real"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["frame_00000.png", "frame_00001.png"]);
    for dir in [d.to_path_buf(), d.join("real"), d.join("frames-real")] {
        assert!(partials(&dir).is_empty(), "{:?}", partials(&dir));
    }
}
