//! How the tables compare text ignoring case: each compared column has a folded copy
//! beside it (`users.email_key`, `users.name_folded`, `plans.name_folded`), computed here
//! on every write, so both databases compare the same strings the same way whatever their
//! own `lower()` and `LIKE` do (SQLite's fold only ASCII; neither normalizes).

use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

/// `text` as it is compared ignoring case: Unicode's canonical caseless form (full case
/// folding between canonical decompositions, so `ß` and `ss`, `ς` and `σ`, and `ë` typed
/// as `e` plus a combining diaeresis all compare equal), recomposed to NFC so that a
/// substring of the folded text is a substring a person would see (`e` is not found in
/// `ë`).
pub fn fold_case(text: &str) -> String {
    text.nfd().default_case_fold().nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::fold_case;

    #[test]
    fn case_and_composition_fold_away() {
        for (a, b) in [
            ("Zoë@Example.COM", "zoë@example.com"),
            ("ZOË@EXAMPLE.COM", "zoe\u{308}@example.com"),
            ("Straße", "STRASSE"),
            ("ΟΔΟΣ", "οδος"),
            ("ǅ", "ǆ"),
        ] {
            assert_eq!(fold_case(a), fold_case(b), "{a} {b}");
        }
        assert_eq!(fold_case("Zoe\u{308}"), "zo\u{eb}", "recomposed");
        assert_ne!(fold_case("é"), fold_case("e"), "accents are kept");
        assert_eq!(fold_case("a_b%c!"), "a_b%c!");
    }
}
