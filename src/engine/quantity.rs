//! Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`) as numbers.

/// The value of a quantity in base units, or `None` if it is not one.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exponent => {
            let exponent = exponent.strip_prefix(['e', 'E'])?;
            10f64.powi(exponent.parse().ok()?)
        }
    };
    Some(number * scale)
}

/// A duration such as Prometheus and Go write it (`30s`, `1h30m`, `1.5h`,
/// `500ms`, `2d`), in seconds, or `None` if it is not one.
pub fn duration(text: &str) -> Option<f64> {
    let mut rest = text.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            "w" => 7.0 * 86400.0,
            "y" => 365.0 * 86400.0,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::{duration, parse};

    #[test]
    fn durations_parse_in_seconds() {
        assert_eq!(duration("30s"), Some(30.0));
        assert_eq!(duration("1h30m"), Some(5400.0));
        assert_eq!(duration("1.5h"), Some(5400.0));
        assert_eq!(duration("500ms"), Some(0.5));
        assert_eq!(duration("0s"), Some(0.0));
        assert_eq!(duration("5"), None);
        assert_eq!(duration("5 minutes"), None);
        assert_eq!(duration(""), None);
    }

    #[test]
    fn quantities_parse_with_decimal_binary_and_exponent_suffixes() {
        assert_eq!(parse("500m"), Some(0.5));
        assert_eq!(parse("1.5Gi"), Some(1.5 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse("128974848"), Some(128974848.0));
        assert_eq!(parse("129e6"), Some(129e6));
        assert_eq!(parse("2k"), Some(2000.0));
        assert_eq!(parse("1Zi"), None);
        assert_eq!(parse("lots"), None);
        assert_eq!(parse(""), None);
    }
}
