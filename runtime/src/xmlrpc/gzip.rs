//! gzip for XML-RPC bodies: decompression that stops at a limit (gzip-bomb safe), and compression
//! for responses to clients that send `accept-encoding: gzip` (Python does).

use std::fmt;
use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;

use super::Fault;
use super::fault::{INVALID_REQUEST, PARSE_ERROR};

/// Why a gzip body was not decompressed.
#[derive(Debug)]
#[non_exhaustive]
pub enum GzipError {
    /// The decompressed data would exceed the limit; decompression stopped there.
    TooLarge {
        /// The limit, in decompressed bytes.
        limit: usize,
    },
    /// The data is not valid gzip.
    Invalid(std::io::Error),
}

impl GzipError {
    /// The fault a server answers with: [`INVALID_REQUEST`] for an oversized body,
    /// [`PARSE_ERROR`] for corrupt gzip.
    pub fn to_fault(&self) -> Fault {
        let code = match self {
            GzipError::TooLarge { .. } => INVALID_REQUEST,
            GzipError::Invalid(_) => PARSE_ERROR,
        };
        Fault::new(code, self.to_string())
    }
}

impl fmt::Display for GzipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GzipError::TooLarge { limit } => {
                write!(f, "gzip body decompresses to more than {limit} bytes")
            }
            GzipError::Invalid(e) => write!(f, "invalid gzip body: {e}"),
        }
    }
}

impl std::error::Error for GzipError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GzipError::Invalid(e) => Some(e),
            GzipError::TooLarge { .. } => None,
        }
    }
}

impl From<GzipError> for Fault {
    fn from(e: GzipError) -> Fault {
        e.to_fault()
    }
}

/// Decompresses a gzip body (all members, as HTTP allows), producing at most `max` bytes.
///
/// This MUST NOT allocate or inflate more than `max + 1` bytes, whatever the input claims: the
/// reader is capped, so a gzip bomb costs at most `max` bytes of memory and the time to inflate
/// them.
pub fn decompress_gzip_limited(data: &[u8], max: usize) -> Result<Vec<u8>, GzipError> {
    use crate::body::{Coding, Inflate, inflate_limited};
    inflate_limited(data, Coding::Gzip, max).map_err(|e| match e {
        Inflate::TooLarge => GzipError::TooLarge { limit: max },
        Inflate::Invalid(e) => GzipError::Invalid(e),
    })
}

/// Compresses `data` as one gzip member (default level).
pub fn compress_gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 4 + 64),
        Compression::default(),
    );
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}
