//! PDQ, Meta's 256-bit perceptual image hash, following the published algorithm: luminance,
//! a two-pass tent (Jarosz) filter and decimation to 64×64, the 16×16 low-frequency block of
//! the 2-D DCT (without the DC row and column), and one bit per coefficient: above the
//! median or not. The quality score counts significant gradients of the 64×64 image. The
//! eight dihedral variants (rotations and flips) come from the same DCT by sign changes and
//! transposition, so a rotated or mirrored copy is matched without hashing it again.
//!
//! This module is pure arithmetic on a luminance buffer: decoding is the caller's.

use std::fmt;
use std::str::FromStr;

/// Images smaller than this on either side have no meaningful hash.
pub const MIN_DIMENSION: usize = 5;

/// A 256-bit PDQ hash.
///
/// Bit `k` is coefficient `(k / 16, k % 16)` of the 16×16 DCT block. The text form is the one
/// Meta's tools and hash-sharing programs use: 64 hex digits, the sixteen 16-bit words from
/// the last to the first.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Pdq(pub [u16; 16]);

impl Pdq {
    fn set(&mut self, k: usize) {
        self.0[k / 16] |= 1 << (k % 16);
    }

    /// Number of bits that differ.
    pub fn distance(&self, other: &Pdq) -> u32 {
        self.0.iter().zip(&other.0).map(|(a, b)| (a ^ b).count_ones()).sum()
    }
}

impl fmt::Display for Pdq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for w in self.0.iter().rev() {
            write!(f, "{w:04x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Pdq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pdq({self})")
    }
}

/// Text that is not a PDQ hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a PDQ hash (64 hexadecimal digits): {0:?}")]
pub struct NotAHash(pub String);

impl FromStr for Pdq {
    type Err = NotAHash;

    fn from_str(s: &str) -> Result<Pdq, NotAHash> {
        let t = s.trim();
        if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(NotAHash(s.chars().take(80).collect()));
        }
        let mut words = [0u16; 16];
        for (i, w) in words.iter_mut().rev().enumerate() {
            *w = u16::from_str_radix(&t[i * 4..i * 4 + 4], 16).map_err(|_| NotAHash(s.to_owned()))?;
        }
        Ok(Pdq(words))
    }
}

/// The eight orientations, in the order of the reference tools.
pub const DIHEDRAL: [&str; 8] =
    ["original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flipplus1", "flipminus1"];

/// What hashing an image gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed {
    /// The hash of the image as it is.
    pub hash: Pdq,
    /// 0–100: how much detail the hash rests on; below 50 it is not worth matching.
    pub quality: u8,
    /// The hashes of the image rotated and flipped, in [`DIHEDRAL`] order (the first is
    /// [`Hashed::hash`]).
    pub dihedral: [Pdq; 8],
}

/// Side the reference hasher samples larger images down to, by nearest neighbour, before
/// hashing: a 12-megapixel photo and its thumbnail then hash alike, and quickly.
pub const DOWNSAMPLE: usize = 512;

/// Source index of output `x` of `new` when `old` is sampled down by nearest neighbour.
pub fn nearest(x: usize, old: usize, new: usize) -> usize {
    ((x as f64 * old as f64 / new as f64) as usize).min(old - 1)
}

/// The source columns and rows sampled from a `width × height` image: all of them, or
/// [`DOWNSAMPLE`] of each when a side is larger.
pub fn sample_grid(width: usize, height: usize) -> (Vec<usize>, Vec<usize>) {
    let (nw, nh) = if width > DOWNSAMPLE || height > DOWNSAMPLE { (DOWNSAMPLE, DOWNSAMPLE) } else { (width, height) };
    ((0..nw).map(|x| nearest(x, width, nw)).collect(), (0..nh).map(|y| nearest(y, height, nh)).collect())
}

/// The luminance of a pixel, with the reference's weights.
pub fn luminance([r, g, b]: [u8; 3]) -> f32 {
    0.299f32 * f32::from(r) + 0.587f32 * f32::from(g) + 0.114f32 * f32::from(b)
}

/// Hashes RGBA pixels (`width × height × 4` bytes, alpha ignored), as a browser's canvas
/// gives them: sampled and weighted exactly as decoded files are.
///
/// # Panics
/// If `rgba` is not `width × height × 4` long.
pub fn hash_rgba(rgba: &[u8], width: usize, height: usize) -> Hashed {
    assert_eq!(rgba.len(), width * height * 4, "RGBA buffer of the wrong size");
    let (cols, rows) = sample_grid(width, height);
    let mut pixels = Vec::with_capacity(cols.len() * rows.len());
    for &y in &rows {
        for &x in &cols {
            let i = (y * width + x) * 4;
            pixels.push(luminance([rgba[i], rgba[i + 1], rgba[i + 2]]));
        }
    }
    hash_luma(&pixels, cols.len(), rows.len())
}

/// Hashes a luminance image (`width × height`, row-major, values 0–255).
///
/// # Panics
/// If `luma` is not `width × height` long.
pub fn hash_luma(luma: &[f32], width: usize, height: usize) -> Hashed {
    assert_eq!(luma.len(), width * height, "luma must be width × height");
    if width < MIN_DIMENSION || height < MIN_DIMENSION {
        return Hashed { hash: Pdq::default(), quality: 0, dihedral: [Pdq::default(); 8] };
    }
    let mut small = [[0f32; 64]; 64];
    if width == 64 && height == 64 {
        for (i, row) in small.iter_mut().enumerate() {
            row.copy_from_slice(&luma[i * 64..i * 64 + 64]);
        }
    } else {
        let mut a = luma.to_vec();
        let mut b = vec![0f32; a.len()];
        let along_rows = window(width);
        let along_cols = window(height);
        for _ in 0..2 {
            for r in 0..height {
                box_1d(&a[r * width..], &mut b[r * width..], width, 1, along_rows);
            }
            for c in 0..width {
                box_1d(&b[c..], &mut a[c..], height, width, along_cols);
            }
        }
        for (i, row) in small.iter_mut().enumerate() {
            let si = ((i as f64 + 0.5) * height as f64 / 64.0) as usize;
            for (j, v) in row.iter_mut().enumerate() {
                let sj = ((j as f64 + 0.5) * width as f64 / 64.0) as usize;
                *v = a[si * width + sj];
            }
        }
    }
    let quality = quality(&small);
    let dct = dct_64_to_16(&small);
    let variants = [
        dct,
        transform(&dct, true, |_, j| j & 1 == 0),
        transform(&dct, false, |i, j| (i + j) & 1 == 1),
        transform(&dct, true, |i, _| i & 1 == 0),
        transform(&dct, false, |i, _| i & 1 == 0),
        transform(&dct, false, |_, j| j & 1 == 0),
        transform(&dct, true, |_, _| false),
        transform(&dct, true, |i, j| (i + j) & 1 == 1),
    ];
    let dihedral = variants.map(|v| bits(&v));
    Hashed { hash: dihedral[0], quality, dihedral }
}

/// Box filter window along a side: half of what maps onto one output pixel, rounded up
/// (two passes make a tent over the whole of it).
fn window(old: usize) -> usize {
    old.div_ceil(2 * 64)
}

/// One pass of a box filter along a vector of `len` values `stride` apart, the window
/// centred and shrinking at the ends.
fn box_1d(input: &[f32], out: &mut [f32], len: usize, stride: usize, full: usize) {
    let half = (full + 2) / 2;
    let phase1 = half - 1;
    let phase2 = full - half + 1;
    let phase3 = len.saturating_sub(full);
    let phase4 = half - 1;
    let (mut li, mut ri, mut oi) = (0usize, 0usize, 0usize);
    let mut sum = 0f32;
    let mut n = 0f32;
    for _ in 0..phase1 {
        sum += input[ri];
        n += 1.0;
        ri += stride;
    }
    for _ in 0..phase2 {
        sum += input[ri];
        n += 1.0;
        out[oi] = sum / n;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase3 {
        sum += input[ri];
        sum -= input[li];
        out[oi] = sum / n;
        li += stride;
        ri += stride;
        oi += stride;
    }
    for _ in 0..phase4 {
        sum -= input[li];
        n -= 1.0;
        out[oi] = sum / n;
        li += stride;
        oi += stride;
    }
}

fn quality(a: &[[f32; 64]; 64]) -> u8 {
    let mut sum: i32 = 0;
    for pair in a.windows(2) {
        for (u, v) in pair[0].iter().zip(&pair[1]) {
            sum += ((((u - v) * 100.0) / 255.0) as i32).abs();
        }
    }
    for row in a {
        for j in 0..63 {
            sum += ((((row[j] - row[j + 1]) * 100.0) / 255.0) as i32).abs();
        }
    }
    (sum / 90).min(100) as u8
}

fn dct_matrix() -> [[f32; 64]; 16] {
    // The scale is a single-precision number; the product is taken in double precision
    // and rounded once, as the reference does.
    let scale = f64::from((2.0f64 / 64.0).sqrt() as f32);
    let mut d = [[0f32; 64]; 16];
    for (i, row) in d.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            let angle = (std::f64::consts::PI / 2.0 / 64.0) * (i as f64 + 1.0) * (2.0 * j as f64 + 1.0);
            *v = (scale * angle.cos()) as f32;
        }
    }
    d
}

/// `D · A · Dᵀ`, summed in the reference's order so that ties break the same way.
fn dct_64_to_16(a: &[[f32; 64]; 64]) -> [[f32; 16]; 16] {
    let d = dct_matrix();
    let mut t = [[0f32; 64]; 16];
    for i in 0..16 {
        for j in 0..64 {
            let mut s = 0f32;
            for k in 0..64 {
                s += d[i][k] * a[k][j];
            }
            t[i][j] = s;
        }
    }
    let mut b = [[0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let mut s = 0f32;
            for k in 0..64 {
                s += t[i][k] * d[j][k];
            }
            b[i][j] = s;
        }
    }
    b
}

/// A dihedral variant of the DCT block: optionally transposed, with the coefficients where
/// `negate(i, j)` changed in sign (`i, j` index the original block).
fn transform(a: &[[f32; 16]; 16], transpose: bool, negate: impl Fn(usize, usize) -> bool) -> [[f32; 16]; 16] {
    let mut b = [[0f32; 16]; 16];
    for i in 0..16 {
        for j in 0..16 {
            let v = if negate(i, j) { -a[i][j] } else { a[i][j] };
            if transpose {
                b[j][i] = v;
            } else {
                b[i][j] = v;
            }
        }
    }
    b
}

fn bits(block: &[[f32; 16]; 16]) -> Pdq {
    let mut values: Vec<f32> = block.iter().flatten().copied().collect();
    let median = torben_median(&values);
    values.clear();
    let mut h = Pdq::default();
    for (i, row) in block.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if v > median {
                h.set(i * 16 + j);
            }
        }
    }
    h
}

/// The lower median, by Torben's method (what the reference computes; for 256 values it
/// is the 128th smallest).
fn torben_median(v: &[f32]) -> f32 {
    let mut sorted = v.to_vec();
    sorted.sort_unstable_by(f32::total_cmp);
    sorted[(sorted.len() - 1) / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_and_bad_text_is_refused() {
        let s = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22";
        let h: Pdq = s.parse().unwrap();
        assert_eq!(h.to_string(), s);
        // The last word is printed first.
        assert_eq!(h.0[15], 0xd8f8);
        assert_eq!(h.0[0], 0x9b22);
        assert_eq!(format!(" {} ", s.to_uppercase()).parse::<Pdq>().unwrap(), h);
        assert!("d8f8".parse::<Pdq>().is_err());
        assert!(s.replace('d', "g").parse::<Pdq>().is_err());
    }

    #[test]
    fn distance_counts_differing_bits() {
        let a = Pdq([0; 16]);
        let mut b = a;
        b.set(0);
        b.set(255);
        b.set(17);
        assert_eq!(a.distance(&b), 3);
        assert_eq!(b.distance(&b), 0);
        assert_eq!(Pdq([0xffff; 16]).distance(&a), 256);
    }

    #[test]
    fn tiny_images_have_no_hash_and_flat_ones_no_quality() {
        let h = hash_luma(&[0.0; 16], 4, 4);
        assert_eq!((h.hash, h.quality), (Pdq::default(), 0));
        let flat = hash_luma(&vec![128.0; 100 * 80], 100, 80);
        assert_eq!(flat.quality, 0);
    }

    #[test]
    fn a_gradient_sets_half_the_bits_and_its_mirror_is_the_flip() {
        let (w, h) = (96, 64);
        let luma: Vec<f32> = (0..w * h).map(|k| ((k % w) * 255 / w + (k / w)) as f32).collect();
        let mirrored: Vec<f32> = (0..w * h).map(|k| luma[(k / w) * w + (w - 1 - k % w)]).collect();
        let a = hash_luma(&luma, w, h);
        let b = hash_luma(&mirrored, w, h);
        let ones: u32 = a.hash.0.iter().map(|x| x.count_ones()).sum();
        assert!((100..=156).contains(&ones), "{ones}");
        // Mirroring left-right is the `flipy` variant of the original.
        assert!(b.hash.distance(&a.dihedral[5]) <= 8, "{}", b.hash.distance(&a.dihedral[5]));
        assert!(b.hash.distance(&a.hash) > 64);
    }
}
