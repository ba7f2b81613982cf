//! Text for the gallery page: HTML escaping, file names as URLs, numbers
//! as captions show them.

use std::fmt::Write;

/// Escapes text for HTML content and double- or single-quoted attributes.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A file name as a relative URL: every byte but the unreserved ones
/// percent-encoded, so `#`, `?`, `%` and spaces stay part of the name.
pub(super) fn percent_encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A return as a caption shows it: whole numbers without decimals.
pub(super) fn number(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.is_finite() {
        format!("{x:.2}")
    } else {
        x.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("CartPole-v1"), "CartPole-v1");
    }

    #[test]
    fn percent_encoding_keeps_names_whole() {
        assert_eq!(
            percent_encode("rl-video-episode-0.mp4"),
            "rl-video-episode-0.mp4"
        );
        assert_eq!(
            percent_encode("a b#c?d%e&é.mp4"),
            "a%20b%23c%3Fd%25e%26%C3%A9.mp4"
        );
    }

    #[test]
    fn numbers_drop_needless_decimals() {
        assert_eq!(number(500.0), "500");
        assert_eq!(number(-1234.5678), "-1234.57");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
