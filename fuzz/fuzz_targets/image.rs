//! Images from anyone: any bytes are hashed or refused with an error, never a panic, and
//! within the decoder's size and memory limits; the QR reader likewise.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = lurewatch_image::hash_image(data) {
        assert!(h.quality <= 100);
        assert_eq!(h.dihedral[0], h.hash);
    }
    let _ = lurewatch_image::qr::read(data);
});
