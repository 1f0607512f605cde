//! The imitation's pages: plain HTML forms with labels, in English and Korean.

use std::fmt::Write;

use crate::text::{self, Lang, Texts};

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape(text: &str) -> String {
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

/// A whole page around `body` (already HTML).
pub fn page(lang: Lang, title: &str, body: &str, switch_href: &str) -> String {
    let t = text::texts(lang);
    format!(
        r#"<!DOCTYPE html>
<html lang="{tag}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {brand}</title>
<style>
body{{font:16px/1.5 system-ui,"Apple SD Gothic Neo","Noto Sans KR",sans-serif;background:#eef1f5;margin:0;color:#1d1d1f}}
main{{max-width:24rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:10px;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.4rem;margin:0 0 1rem}}label{{display:block;font-weight:600;margin:.8rem 0 .3rem}}
input{{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;border:1px solid #bbb;border-radius:6px}}
button{{margin-top:1.2rem;width:100%;font:inherit;padding:.6rem;border:0;border-radius:6px;background:#1f5fbf;color:#fff;cursor:pointer}}
:focus-visible{{outline:3px solid #f2a900;outline-offset:2px}}
.error{{background:#fde8e6;padding:.6rem .8rem;border-radius:6px}}.info{{background:#e6f0ff;padding:.6rem .8rem;border-radius:6px}}
.brand{{color:#5f6368;font-size:.9rem;margin:0 0 .5rem}}.foot{{margin-top:1.2rem;font-size:.95rem}}
</style>
</head>
<body>
<main>
<p class="brand">{brand} · <a href="{switch}" lang="{other_tag}">{other}</a></p>
<h1>{title}</h1>
{body}
</main>
</body>
</html>"#,
        tag = lang.tag(),
        title = escape(title),
        brand = escape(t.brand),
        switch = escape(switch_href),
        other_tag = lang.other().tag(),
        other = escape(t.other_language),
    )
}

/// A message box: `kind` is `error` or `info`.
pub fn message(kind: &str, text: &str) -> String {
    let role = if kind == "error" { "alert" } else { "status" };
    format!(r#"<p class="{kind}" role="{role}">{}</p>"#, escape(text))
}

/// Hidden inputs carrying the authorize request through a form.
pub fn hidden(fields: &[(&str, &str)]) -> String {
    fields.iter().fold(String::new(), |mut out, (name, value)| {
        let _ = write!(
            out,
            r#"<input type="hidden" name="{}" value="{}">"#,
            escape(name),
            escape(value)
        );
        out
    })
}

pub fn sign_in_form(t: &Texts, hidden_fields: &str, email: &str, signup_href: &str) -> String {
    format!(
        r#"<form method="post" action="/login">{hidden_fields}
<label for="email">{email_label}</label>
<input id="email" name="email" type="email" autocomplete="username" required value="{email}">
<label for="password">{password_label}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">{button}</button>
</form>
<p class="foot">{no_account} <a href="{signup_href}">{sign_up}</a></p>"#,
        email_label = escape(t.email),
        password_label = escape(t.password),
        email = escape(email),
        button = escape(t.sign_in_button),
        no_account = escape(t.no_account),
        signup_href = escape(signup_href),
        sign_up = escape(t.sign_up_link),
    )
}

pub fn sign_up_form(t: &Texts, hidden_fields: &str, email: &str, signin_href: &str) -> String {
    format!(
        r#"<form method="post" action="/signup">{hidden_fields}
<label for="email">{email_label}</label>
<input id="email" name="email" type="email" autocomplete="email" required value="{email}">
<label for="password">{password_label}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="password-rules">
<p id="password-rules" class="foot">{rules}</p>
<button type="submit">{button}</button>
</form>
<p class="foot">{have_account} <a href="{signin_href}">{sign_in}</a></p>"#,
        email_label = escape(t.email),
        password_label = escape(t.password),
        email = escape(email),
        rules = escape(t.password_rules),
        button = escape(t.sign_up_button),
        have_account = escape(t.have_account),
        signin_href = escape(signin_href),
        sign_in = escape(t.sign_in_link),
    )
}

pub fn confirm_form(t: &Texts, hidden_fields: &str, email: &str) -> String {
    format!(
        r#"<form method="post" action="/confirm">{hidden_fields}
<input type="hidden" name="email" value="{email}">
<label for="code">{code_label}</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">{button}</button>
</form>"#,
        email = escape(email),
        code_label = escape(t.code),
        button = escape(t.confirm_button),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn hidden_fields_cannot_break_out_of_their_attribute() {
        let html = hidden(&[("state", r#""><script>alert(1)</script>"#)]);
        assert!(!html.contains("<script>"), "{html}");
    }
}
