//! Decoding images for hashing, with bounded memory: the format is sniffed from the bytes,
//! dimensions and allocations are limited before pixels are decoded, and large images are
//! brought to 512×512 by nearest-neighbour sampling first, as the reference hasher does.
//!
//! JPEG is decoded by libjpeg-turbo, like the reference: other decoders round a few pixels
//! differently, which flips a few bits of low-detail images. A JPEG libjpeg cannot convert
//! to RGB (CMYK) goes to the pure-Rust decoder.

use std::io::Cursor;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits, RgbImage};

/// Largest width or height decoded.
pub const MAX_DIMENSION: u32 = 16_384;
/// Most memory a decoder may allocate.
pub const MAX_ALLOC: u64 = 512 << 20;
use crate::pdq;
pub use crate::pdq::DOWNSAMPLE;

/// Why an image could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The bytes are not an image format lurewatch reads.
    #[error("not an image in a supported format (JPEG, PNG, WebP, GIF, BMP)")]
    Unsupported,
    /// The image is larger than the limits allow (a decompression bomb, or just too big).
    #[error("image too large: {0}")]
    TooLarge(String),
    /// The file is truncated or corrupt.
    #[error("corrupt or truncated image: {0}")]
    Corrupt(String),
}

/// A luminance image ready for [`crate::pdq::hash_luma`].
#[derive(Debug, Clone)]
pub struct Luma {
    /// Values 0–255, row-major.
    pub pixels: Vec<f32>,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The size of the image as decoded, before sampling down.
    pub original: (u32, u32),
}

/// Decodes `bytes` to the luminance the hash is computed on.
pub fn luma(bytes: &[u8]) -> Result<Luma, ImageError> {
    Ok(to_luma(&open(bytes)?))
}

/// A greyscale image at up to `max_side` pixels a side (sampled down by nearest neighbour
/// when larger, keeping the aspect ratio): what a QR reader looks at.
#[derive(Debug, Clone)]
pub struct Grey {
    /// Values, row-major.
    pub pixels: Vec<u8>,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
}

/// Decodes `bytes` to greyscale, at most `max_side` pixels a side.
pub fn grey(bytes: &[u8], max_side: usize) -> Result<Grey, ImageError> {
    let g = open(bytes)?.to_luma8();
    let (w, h) = (g.width() as usize, g.height() as usize);
    let scale = (w.max(h) as f64 / max_side.max(1) as f64).max(1.0);
    let (nw, nh) = (((w as f64 / scale) as usize).max(1), ((h as f64 / scale) as usize).max(1));
    let mut pixels = Vec::with_capacity(nw * nh);
    for y in 0..nh {
        for x in 0..nw {
            pixels.push(g.get_pixel(pdq::nearest(x, w, nw) as u32, pdq::nearest(y, h, nh) as u32).0[0]);
        }
    }
    Ok(Grey { pixels, width: nw, height: nh })
}

/// Decodes with the limits; the format is sniffed from the bytes.
fn open(bytes: &[u8]) -> Result<DynamicImage, ImageError> {
    let mut reader =
        ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| ImageError::Corrupt(e.to_string()))?;
    match reader.format() {
        None => return Err(ImageError::Unsupported),
        Some(ImageFormat::Jpeg) => {
            if let Some(image) = libjpeg(bytes)? {
                return Ok(image);
            }
        }
        Some(_) => {}
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => ImageError::TooLarge(l.to_string()),
        image::ImageError::Unsupported(u) => ImageError::Corrupt(u.to_string()),
        other => ImageError::Corrupt(other.to_string()),
    })
}

/// Decodes a JPEG with libjpeg-turbo; `None` for colour spaces it does not turn into RGB.
fn libjpeg(bytes: &[u8]) -> Result<Option<DynamicImage>, ImageError> {
    use mozjpeg::ColorSpace;
    // libjpeg reports errors by unwinding (without the panic hook): they are caught here.
    let result = std::panic::catch_unwind(|| -> Result<Option<DynamicImage>, ImageError> {
        let corrupt = |e: std::io::Error| ImageError::Corrupt(e.to_string());
        let d = mozjpeg::Decompress::new_mem(bytes).map_err(corrupt)?;
        let (w, h) = (d.width(), d.height());
        let (w64, h64) = (w as u64, h as u64);
        if w64 > u64::from(MAX_DIMENSION) || h64 > u64::from(MAX_DIMENSION) || w64 * h64 * 3 > MAX_ALLOC {
            return Err(ImageError::TooLarge(format!("{w}×{h} pixels")));
        }
        match d.color_space() {
            ColorSpace::JCS_GRAYSCALE => {
                let mut img = d.grayscale().map_err(corrupt)?;
                let px: Vec<u8> = img.read_scanlines().map_err(corrupt)?;
                img.finish().map_err(corrupt)?;
                Ok(GrayImage::from_raw(w as u32, h as u32, px).map(DynamicImage::ImageLuma8))
            }
            ColorSpace::JCS_CMYK | ColorSpace::JCS_YCCK => Ok(None),
            _ => {
                let mut img = d.rgb().map_err(corrupt)?;
                let px: Vec<[u8; 3]> = img.read_scanlines().map_err(corrupt)?;
                img.finish().map_err(corrupt)?;
                Ok(RgbImage::from_raw(w as u32, h as u32, px.into_flattened()).map(DynamicImage::ImageRgb8))
            }
        }
    });
    result.unwrap_or_else(|_| Err(ImageError::Corrupt("libjpeg could not decode it".into())))
}

fn to_luma(image: &DynamicImage) -> Luma {
    let (w, h) = (image.width() as usize, image.height() as usize);
    let (cols, rows) = pdq::sample_grid(w, h);
    let (nw, nh) = (cols.len(), rows.len());
    let mut pixels = Vec::with_capacity(nw * nh);
    let grey = matches!(
        image,
        DynamicImage::ImageLuma8(_)
            | DynamicImage::ImageLumaA8(_)
            | DynamicImage::ImageLuma16(_)
            | DynamicImage::ImageLumaA16(_)
    );
    if grey {
        let g = image.to_luma8();
        for &y in &rows {
            for &x in &cols {
                pixels.push(f32::from(g.get_pixel(x as u32, y as u32).0[0]));
            }
        }
    } else {
        let rgb = image.to_rgb8();
        for &y in &rows {
            for &x in &cols {
                pixels.push(pdq::luminance(rgb.get_pixel(x as u32, y as u32).0));
            }
        }
    }
    Luma { pixels, width: nw, height: nh, original: (image.width(), image.height()) }
}
