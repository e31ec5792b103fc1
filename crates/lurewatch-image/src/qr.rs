//! QR codes in screenshots and photos: payment codes and app download codes sent to a
//! victim. The payloads are text for the indicator extraction (payees, links).

use crate::decode::{self, ImageError};

/// Longest side a QR code is looked for at: a phone screenshot keeps its resolution, a
/// large photo is sampled down so that looking stays quick.
pub const MAX_SIDE: usize = 2400;

/// What a QR code said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Text (a URL, a `wxp://` code, an EMVCo string…).
    Text(String),
    /// A code was found but could not be read (damaged, or not text).
    Unreadable(String),
}

/// Every QR code in the image, in the order found.
pub fn read(bytes: &[u8]) -> Result<Vec<Payload>, ImageError> {
    let g = decode::grey(bytes, MAX_SIDE)?;
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(g.width, g.height, |x, y| g.pixels[y * g.width + x]);
    Ok(prepared
        .detect_grids()
        .into_iter()
        .map(|grid| match grid.decode() {
            Ok((_, text)) => Payload::Text(text),
            Err(e) => Payload::Unreadable(e.to_string()),
        })
        .collect())
}
