//! The progress bar of a recording: frames, rate and ETA on stderr, hidden
//! when stderr is not a terminal or when asked to be quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar for `total` frames on stderr; hidden when `quiet` or stderr is not a terminal.
    pub fn new(total: u32, quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(
            Some(total as u64),
            if visible {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:32}] {pos}/{len} frames  {per_sec}  ETA {eta}",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        bar.set_message("recording");
        Progress { bar }
    }

    /// A bar that draws nothing (tests, library use).
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    pub fn is_hidden(&self) -> bool {
        self.bar.is_hidden()
    }

    pub fn inc(&self) {
        self.bar.inc(1);
    }

    pub fn set_message(&self, msg: impl Into<String>) {
        self.bar.set_message(msg.into());
    }

    /// Removes the bar (success or failure alike; the caller reports the outcome).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
