//! The image side of lurewatch: PDQ perceptual hashes of photos, video frames and
//! screenshots, so that the same (or a slightly edited) picture is recognised wherever it
//! turns up, and decoding that keeps hostile files within bounds.
//!
//! - [`pdq`]: the hash itself, pure arithmetic on a luminance buffer, with its quality
//!   score and the eight rotated and flipped variants.
//! - `decode` (feature `decode`, on by default): bytes to luminance, limited in size and memory.
//! - `qr` (feature `decode`): QR codes in screenshots (payment and download codes), as text.
//! - [`index`]: hash banks in the forms hash-sharing programs exchange, and exact
//!   Hamming-distance search over millions of hashes.

#[cfg(feature = "decode")]
pub mod decode;
pub mod index;
pub mod pdq;
#[cfg(feature = "decode")]
pub mod qr;

#[cfg(feature = "decode")]
pub use decode::{ImageError, Luma};
pub use pdq::{Hashed, Pdq};

/// Decodes an image and hashes it.
#[cfg(feature = "decode")]
pub fn hash_image(bytes: &[u8]) -> Result<Hashed, ImageError> {
    let l = decode::luma(bytes)?;
    Ok(pdq::hash_luma(&l.pixels, l.width, l.height))
}
