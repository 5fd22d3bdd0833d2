//! Enrolment codes as QR codes, drawn as SVG for the dashboard (the tablet scans them as text).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The text as an SVG QR code; empty if it cannot be encoded (the text code still works).
pub fn svg(text: &str) -> String {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map(|code| {
            code.render::<svg::Color<'_>>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_code_draws_as_svg() {
        let s = super::svg("K7QM-9XHF-M3TR");
        assert!(s.starts_with("<?xml") && s.contains("<svg"), "{s}");
    }
}
