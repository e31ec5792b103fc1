//! PDQ hashing in the browser.
//!
//! The page decodes a picture with the browser's own decoder, draws it on a canvas and
//! copies the RGBA pixels into this module's memory; the module hashes them with the same
//! code as `lurewatch hash` and hands back the hash and its quality. The picture never
//! leaves the device.
//!
//! The interface is three plain functions, usable from JavaScript without generated glue:
//!
//! 1. `pixels(len)` returns where to write `len` bytes of RGBA pixels in the module's
//!    memory (the buffer is reused; it grows as needed).
//! 2. `hash(width, height)` hashes the pixels written there and returns the length of the
//!    answer, or 0 when `width × height × 4` is not the length written.
//! 3. `answer()` returns where the answer is: ASCII `HASH,QUALITY` (64 hex digits, a comma,
//!    0–100).

use std::sync::Mutex;

struct Buffers {
    pixels: Vec<u8>,
    answer: Vec<u8>,
}

static BUFFERS: Mutex<Buffers> = Mutex::new(Buffers { pixels: Vec::new(), answer: Vec::new() });

fn buffers() -> std::sync::MutexGuard<'static, Buffers> {
    BUFFERS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where to write `len` bytes of RGBA pixels.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn pixels(len: usize) -> *mut u8 {
    let mut b = buffers();
    b.pixels.clear();
    b.pixels.resize(len, 0);
    b.pixels.as_mut_ptr()
}

/// Hashes the pixels written; the length of the answer, or 0 if the size is wrong.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn hash(width: usize, height: usize) -> usize {
    let mut b = buffers();
    let fits = width.checked_mul(height).and_then(|n| n.checked_mul(4)) == Some(b.pixels.len());
    if !fits || width == 0 || height == 0 {
        b.answer.clear();
        return 0;
    }
    let hashed = lurewatch_image::pdq::hash_rgba(&b.pixels, width, height);
    b.answer = format!("{},{}", hashed.hash, hashed.quality).into_bytes();
    b.answer.len()
}

/// Where the answer of the last [`hash`] is.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn answer() -> *const u8 {
    buffers().answer.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exported_functions_hash_pixels_written_into_the_buffer() {
        let (w, h) = (64usize, 48usize);
        let mut rgba = Vec::with_capacity(w * h * 4);
        for y in 0..h {
            for x in 0..w {
                rgba.extend([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8, 255]);
            }
        }
        pixels(rgba.len());
        buffers().pixels.copy_from_slice(&rgba);
        let len = hash(w, h);
        let text = String::from_utf8(buffers().answer.clone()).unwrap();
        assert_eq!(len, text.len());
        let want = lurewatch_image::pdq::hash_rgba(&rgba, w, h);
        assert_eq!(text, format!("{},{}", want.hash, want.quality));
        assert_eq!(hash(w + 1, h), 0, "a size that does not fit the pixels written is refused");
        assert_eq!(hash(0, 0), 0);
    }
}
