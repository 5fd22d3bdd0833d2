//! Which PINs are too easy to guess. A tablet's PIN unlocks its store offline, and a few wrong
//! tries wipe it, so a thief's only hope is a PIN people often choose: those are refused when a
//! PIN is chosen (setting up the tablet, changing the PIN), never when one is typed to unlock.

/// Why `pin` is too easy to guess, in words that finish "That PIN is too easy to guess: …";
/// `None` when it is not.
pub fn too_easy(pin: &str) -> Option<&'static str> {
    let chars: Vec<char> = pin.chars().collect();
    let first = *chars.first()?;
    if chars.iter().all(|&c| c == first) {
        return Some("every digit is the same");
    }
    let digits: Option<Vec<i32>> = chars
        .iter()
        .map(|c| c.to_digit(10).and_then(|d| i32::try_from(d).ok()))
        .collect();
    if let Some(d) = digits {
        let steps: Vec<i32> = d.windows(2).map(|w| (w[1] - w[0]).rem_euclid(10)).collect();
        if steps.iter().all(|&s| s == 1) || steps.iter().all(|&s| s == 9) {
            return Some("its digits run in order, like 123456 or 987654");
        }
    }
    if COMMON.contains(&pin) {
        return Some("it is one of the PINs people choose most often");
    }
    // A short block said again: 121212, 123123, 1212.
    let n = chars.len();
    if (1..=n / 2).any(|len| n % len == 0 && chars.chunks(len).all(|c| c == &chars[..len])) {
        return Some("it repeats a short pattern, like 121212");
    }
    None
}

/// PINs people choose most often (lists of leaked PINs), beyond runs and repeats.
const COMMON: &[&str] = &[
    "112233", "123321", "654321", "123456", "159753", "147258", "258369", "147852", "102030",
    "100200", "101010", "111222", "121314", "131313", "123654", "696969", "666999", "789456",
    "456789", "111000", "000111", "987654", "1234567", "12345678", "11223344", "20202020",
    "19901990",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trivial_pins_are_refused_with_the_reason() {
        for (pin, why) in [
            ("000000", "the same"),
            ("999999", "the same"),
            ("123456", "in order"),
            ("234567", "in order"),
            ("890123", "in order"),
            ("654321", "in order"),
            ("987654", "in order"),
            ("121212", "pattern"),
            ("123123", "pattern"),
            ("159753", "most often"),
            ("112233", "most often"),
        ] {
            let said = too_easy(pin).unwrap_or_else(|| panic!("{pin} is too easy"));
            assert!(said.contains(why), "{pin}: {said}");
        }
    }

    #[test]
    fn other_pins_are_taken() {
        for pin in [
            "482913", "900123", "270415", "73 91 05", "k3y-pin", "30581749",
        ] {
            assert_eq!(too_easy(pin), None, "{pin}");
        }
        assert_eq!(too_easy(""), None);
    }
}
