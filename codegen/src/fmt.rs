//! The formatter placeholder (replaced below).
use std::path::Path;
/// Result of formatting one file.
pub struct Outcome {
    pub original: String,
    pub formatted: String,
}
impl Outcome {
    /// True when formatting changed the text.
    pub fn changed(&self) -> bool {
        self.original != self.formatted
    }
}
/// Formats a file.
pub fn format_file(path: &Path) -> Result<Outcome, String> {
    let t = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    Ok(Outcome {
        original: t.clone(),
        formatted: t,
    })
}
