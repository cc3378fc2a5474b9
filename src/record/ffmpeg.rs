//! MP4 (H.264) and WebM (VP9) through an ffmpeg child process that reads raw
//! RGBA frames on its stdin.
//!
//! ffmpeg writes to a temporary name beside the target (with the container
//! given by `-f`, since the temporary name has no useful extension), which is
//! renamed over the target only when ffmpeg exits 0. ffmpeg's stderr is
//! collected on a thread, and its last lines go into the error when it fails.
//! The program is `ffmpeg` on the PATH, or `$GRADFIELD_FFMPEG` when set.

use super::{check_size, FrameSink, SinkOptions};
use crate::error::{Error, Result};
use crate::image::Image;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread::JoinHandle;

/// The environment variable that overrides the ffmpeg program.
pub const FFMPEG_ENV: &str = "GRADFIELD_FFMPEG";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// H.264 in MP4, yuv420p, `+faststart` (plays in browsers).
    H264,
    /// VP9 in WebM, yuv420p.
    Vp9,
}

/// The ffmpeg program to run.
pub fn program() -> PathBuf {
    std::env::var_os(FFMPEG_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("ffmpeg"))
}

pub struct FfmpegSink {
    path: PathBuf,
    /// `path` after symbolic links: what the temporary file is renamed to.
    target: PathBuf,
    tmp: PathBuf,
    program: PathBuf,
    width: u32,
    height: u32,
    fps: f64,
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    stderr: Option<JoinHandle<String>>,
}

/// The arguments after the program name.
pub fn args(
    codec: Codec,
    width: u32,
    height: u32,
    fps: f64,
    crf: Option<u32>,
    out: &Path,
) -> Vec<String> {
    let mut a: Vec<String> = [
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgba",
        "-s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.push(format!("{width}x{height}"));
    a.push("-r".into());
    a.push(format!("{fps}"));
    a.extend(["-i", "-", "-an", "-pix_fmt", "yuv420p"].map(String::from));
    match codec {
        Codec::H264 => {
            a.extend(["-c:v", "libx264", "-preset", "medium", "-crf"].map(String::from));
            a.push(crf.unwrap_or(18).to_string());
            a.extend(["-movflags", "+faststart", "-f", "mp4"].map(String::from));
        }
        Codec::Vp9 => {
            a.extend(["-c:v", "libvpx-vp9", "-b:v", "0", "-crf"].map(String::from));
            a.push(crf.unwrap_or(32).to_string());
            a.extend(
                [
                    "-row-mt",
                    "1",
                    "-deadline",
                    "good",
                    "-cpu-used",
                    "4",
                    "-f",
                    "webm",
                ]
                .map(String::from),
            );
        }
    }
    a.push(out.to_string_lossy().into_owned());
    a
}

impl FfmpegSink {
    pub fn create(
        path: &Path,
        codec: Codec,
        width: u32,
        height: u32,
        fps: f64,
        opts: &SinkOptions,
    ) -> Result<FfmpegSink> {
        if width % 2 != 0 || height % 2 != 0 {
            return Err(Error::input(format!(
                "{}: {width}x{height} is not possible for {} video in yuv420p, which needs an even width \
                 and height; use for example --size {}x{}",
                path.display(),
                if codec == Codec::H264 { "MP4" } else { "WebM" },
                width + width % 2,
                height + height % 2
            )));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                return Err(Error::io(
                    path,
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "the directory does not exist",
                    ),
                ));
            }
        }
        // Created here, exclusively: ffmpeg's -y then overwrites our own empty file.
        let temp = crate::io::temp_beside(path)?;
        let (target, tmp) = (temp.target, temp.path);
        let program = program();
        let mut cmd = Command::new(&program);
        cmd.args(args(codec, width, height, fps, opts.crf, &tmp))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // Its own process group: a Ctrl-C in the terminal reaches gradfield
        // only, which then stops ffmpeg and removes the temporary file itself.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        log::debug!("running {cmd:?}");
        let mut child = cmd
            .spawn()
            .map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                let source = if e.kind() == std::io::ErrorKind::NotFound {
                    std::io::Error::new(
                        e.kind(),
                        format!(
                            "ffmpeg not found (needed for {}): install ffmpeg (Debian: apt-get install ffmpeg), \
                             or point {FFMPEG_ENV} at it",
                            path.display()
                        ),
                    )
                } else {
                    std::io::Error::new(e.kind(), format!("could not start ffmpeg: {e}"))
                };
                Error::io(&program, source)
            })?;
        let stdin = child.stdin.take();
        let mut err = child.stderr.take().expect("stderr is piped");
        let stderr = std::thread::Builder::new()
            .name("ffmpeg-stderr".into())
            .spawn(move || {
                let mut s = Vec::new();
                let _ = err.read_to_end(&mut s);
                String::from_utf8_lossy(&s).into_owned()
            })
            .map_err(|e| Error::io(path, e))?;
        Ok(FfmpegSink {
            path: path.to_path_buf(),
            target,
            tmp,
            program,
            width,
            height,
            fps,
            child: Some(child),
            stdin,
            stderr: Some(stderr),
        })
    }

    /// Waits for ffmpeg and returns (success, the last lines of its stderr).
    fn wait(&mut self) -> (Option<std::process::ExitStatus>, String) {
        self.stdin = None;
        let status = self.child.as_mut().and_then(|c| c.wait().ok());
        self.child = None;
        let text = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(8)..].join("\n");
        (status, tail)
    }

    fn failure(&self, what: &str, status: Option<std::process::ExitStatus>, tail: &str) -> Error {
        let status = status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "unknown status".into());
        let said = if tail.is_empty() {
            "(ffmpeg printed nothing)".to_string()
        } else {
            format!("ffmpeg said:\n{tail}")
        };
        Error::io(
            &self.path,
            std::io::Error::other(format!(
                "{what}: {} ({status}); {said}",
                self.program.display()
            )),
        )
    }

    fn kill(&mut self) {
        self.stdin = None;
        if let Some(c) = self.child.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
        self.child = None;
        if let Some(h) = self.stderr.take() {
            let _ = h.join();
        }
        let _ = std::fs::remove_file(&self.tmp);
    }
}

impl FrameSink for FfmpegSink {
    fn push(&mut self, frame: &Image) -> Result<()> {
        check_size(frame, self.width, self.height, &self.path)?;
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(Error::io(
                &self.path,
                std::io::Error::other("ffmpeg is no longer running"),
            ));
        };
        if let Err(e) = stdin.write_all(&frame.data) {
            // Most likely ffmpeg died (broken pipe): its stderr says why.
            let (status, tail) = self.wait();
            let err = self.failure(
                &format!("ffmpeg stopped reading frames ({e})"),
                status,
                &tail,
            );
            self.kill();
            return Err(err);
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        if let Some(mut s) = self.stdin.take() {
            let _ = s.flush();
        }
        let (status, tail) = self.wait();
        if !status.is_some_and(|s| s.success()) {
            let err = self.failure("ffmpeg failed", status, &tail);
            self.kill();
            return Err(err);
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.target) {
            self.kill();
            return Err(Error::io(&self.path, e));
        }
        Ok(())
    }

    fn abort(mut self: Box<Self>) {
        self.kill();
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn fps(&self) -> f64 {
        self.fps
    }
}

impl Drop for FfmpegSink {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.kill();
        }
    }
}
