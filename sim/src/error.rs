//! The simulator's errors: a bad scenario names the key path; the rest say what failed where.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{file}: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    /// The file is no TOML at all.
    #[error("{file}: not TOML: {message}")]
    Syntax { file: String, message: String },
    /// A key is unknown, missing, of the wrong type or has an impossible value.
    #[error("{file}: {path}: {message}")]
    Scenario {
        file: String,
        path: String,
        message: String,
    },
    #[error("--policy {policy}: {message}")]
    Policy { policy: String, message: String },
    #[error("--param {path}: {message}")]
    Param { path: String, message: String },
    #[error("the drink engine: {0}")]
    Drink(String),
    #[error("writing {file}: {message}")]
    Write { file: PathBuf, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Exit codes: 0 done, 2 bad input (scenario, flags), 1 anything else.
pub const EXIT_OK: i32 = 0;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_FAILURE: i32 = 1;

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Syntax { .. }
            | Error::Scenario { .. }
            | Error::Policy { .. }
            | Error::Param { .. }
            | Error::Read { .. } => EXIT_BAD_INPUT,
            Error::Drink(_) | Error::Write { .. } => EXIT_FAILURE,
        }
    }
}
