//! QR codes in real image files: PNG and JPEG screenshots the test draws, with the codes a
//! victim is sent (a payment code, a VietQR payee, a side-loaded app link).

use image::{GrayImage, ImageFormat, Luma};
use lurewatch_image::qr::{Payload, read};
use qrcode::QrCode;

const VIETQR: &str = "00020101021238580010A000000727012800069704360114012345678901230208QRIBFTTA53037045405500005802VN5912NGUYEN VAN A6005HANOI63045F63";

/// A 720×1280 "screenshot": a grey background with stripes like chat bubbles and the QR
/// codes drawn at `scale` pixels a module, each at its (x, y).
fn screenshot(codes: &[(&str, u32, u32)], scale: u32) -> GrayImage {
    let mut img = GrayImage::from_fn(720, 1280, |_, y| Luma([if (y / 40) % 3 == 0 { 235 } else { 250 }]));
    for &(text, x0, y0) in codes {
        let code = QrCode::new(text.as_bytes()).unwrap();
        let width = code.width() as u32;
        let colors = code.to_colors();
        // Quiet zone of four modules.
        for y in 0..(width + 8) * scale {
            for x in 0..(width + 8) * scale {
                let (mx, my) = ((x / scale) as i64 - 4, (y / scale) as i64 - 4);
                let dark = mx >= 0
                    && my >= 0
                    && (mx as u32) < width
                    && (my as u32) < width
                    && colors[(my as u32 * width + mx as u32) as usize] == qrcode::Color::Dark;
                img.put_pixel(x0 + x, y0 + y, Luma([if dark { 0 } else { 255 }]));
            }
        }
    }
    img
}

fn encode(img: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn texts(payloads: Vec<Payload>) -> Vec<String> {
    let mut v: Vec<String> = payloads
        .into_iter()
        .map(|p| match p {
            Payload::Text(t) => t,
            Payload::Unreadable(e) => panic!("unreadable: {e}"),
        })
        .collect();
    v.sort();
    v
}

#[test]
fn reads_a_payment_code_from_a_png_screenshot() {
    let png = encode(&screenshot(&[(VIETQR, 150, 400)], 5), ImageFormat::Png);
    assert_eq!(texts(read(&png).unwrap()), [VIETQR]);
}

#[test]
fn reads_two_codes_from_a_jpeg_photo_of_a_screen() {
    let wechat = "wxp://f2f0PqNHdvL5x8yKAVwmH8u3dcQ0S9t2Lw8F";
    let apk = "https://live-chat.top/download/vchat.apk";
    let img = screenshot(&[(wechat, 40, 60), (apk, 380, 700)], 4);
    let jpeg = encode(&img, ImageFormat::Jpeg);
    assert_eq!(texts(read(&jpeg).unwrap()), [apk, wechat]);
}

#[test]
fn an_image_without_a_code_has_none_and_a_broken_file_is_an_error() {
    let png = encode(&screenshot(&[], 4), ImageFormat::Png);
    assert!(read(&png).unwrap().is_empty());
    assert!(read(b"GIF89a broken").is_err());
}
