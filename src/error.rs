//! The library's error type. The binary maps [`Error::is_user_error`] to exit
//! code 2 (the input is wrong) and everything else to 1.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An expression that does not parse; Display is one line, [`crate::expr::ParseError::caret`] adds the picture.
    #[error("{0}")]
    Parse(#[from] crate::expr::ParseError),
    /// Input that parses but is not acceptable (a value out of range, an unknown name, a bad file).
    #[error("{0}")]
    Input(String),
    /// No adapter at all: not even the software one.
    #[error(
        "no GPU adapter found (not even a software one): install Mesa's software Vulkan driver \
         with `apt-get install mesa-vulkan-drivers libvulkan1`"
    )]
    NoAdapter,
    /// The device refused something or was lost; the adapter's own words.
    #[error("GPU error on {adapter}: {message}")]
    Gpu { adapter: String, message: String },
    /// Generated WGSL failed validation: a bug, reported with the expression behind it.
    #[error("internal error: the WGSL generated for `{expr}` does not validate: {message}")]
    Shader { expr: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }

    /// True when the user's input is at fault (exit code 2).
    pub fn is_user_error(&self) -> bool {
        matches!(self, Error::Parse(_) | Error::Input(_))
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
