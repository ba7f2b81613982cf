//! The gallery's templates (`assets/gallery/`), rendered by tinytemplate:
//! `page.html` (the page, with `style.css` and `script.js` inlined), and the
//! partials it calls, `card.html`, `media.html`, `time.html`, `plot.html`
//! and `svg.html`. Every value is HTML-escaped by [`escape`] unless a
//! template asks for `| unescaped` (only the page's style and script do);
//! a partial's final newline is not part of it.

use super::html::escape;
use serde::Serialize;
use serde_json::Value;
use tinytemplate::TinyTemplate;

/// The page's inline CSS, inserted as it is.
pub(super) const STYLE: &str = include_str!("../../assets/gallery/style.css");

/// The page's inline script, inserted as it is.
pub(super) const SCRIPT: &str = include_str!("../../assets/gallery/script.js");

/// The templates by name: the page, then the partials it calls.
const TEMPLATES: [(&str, &str); 7] = [
    ("page", include_str!("../../assets/gallery/page.html")),
    ("filter", include_str!("../../assets/gallery/filter.html")),
    ("card", include_str!("../../assets/gallery/card.html")),
    ("media", include_str!("../../assets/gallery/media.html")),
    ("time", include_str!("../../assets/gallery/time.html")),
    ("plot", include_str!("../../assets/gallery/plot.html")),
    ("svg", include_str!("../../assets/gallery/svg.html")),
];

/// The error of a template that does not fit its context: a bug in
/// gymrec, not in the data (the tests render every template).
pub(super) type TemplateError = tinytemplate::error::Error;

/// Renders the template `name` with `context`.
pub(super) fn render(name: &str, context: &impl Serialize) -> Result<String, TemplateError> {
    let mut templates = TinyTemplate::new();
    templates.set_default_formatter(&escaped);
    for (template, text) in TEMPLATES {
        let text = if template == "page" {
            text
        } else {
            text.strip_suffix('\n').unwrap_or(text)
        };
        templates.add_template(template, text)?;
    }
    templates.render(name, context)
}

/// The default formatter: strings HTML-escaped, numbers and booleans as
/// they are, `null` as nothing.
fn escaped(value: &Value, out: &mut String) -> tinytemplate::error::Result<()> {
    match value {
        Value::String(text) => {
            out.push_str(&escape(text));
            Ok(())
        }
        other => tinytemplate::format_unescaped(other, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_never_read_as_template_text() {
        #[derive(Serialize)]
        struct Time<'a> {
            datetime: &'a str,
            text: &'a str,
        }
        let time = Time {
            datetime: "\"><script>",
            text: "{text} {{ if datetime }}<b>&'",
        };
        assert_eq!(
            render("time", &time).unwrap(),
            "<time datetime=\"&quot;&gt;&lt;script&gt;\">{text} {{ if datetime }}&lt;b&gt;&amp;&#39;</time>"
        );
    }

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            // Rendering an empty context gets as far as the first value:
            // an error about the context, not the template's syntax.
            if let Err(TemplateError::ParseError { msg, .. }) = render(name, &serde_json::json!({}))
            {
                panic!("{name}: {msg}");
            }
        }
    }
}
