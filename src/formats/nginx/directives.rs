//! What airworthy knows about nginx directives: which repeat (arrays that a
//! child level replaces as a whole), which a child level does not inherit,
//! which hold entries rather than directives, and which take times or sizes.

/// Directives that may appear several times in one context. A level that
/// writes any of its own replaces its parent's list, it does not add to it.
pub const ARRAYS: &[&str] = &[
    "access_log",
    "add_header",
    "add_trailer",
    "allow",
    "deny",
    "env",
    "error_log",
    "error_page",
    "fastcgi_hide_header",
    "fastcgi_param",
    "fastcgi_pass_header",
    "geo",
    "grpc_hide_header",
    "grpc_pass_header",
    "grpc_set_header",
    "if",
    "limit_conn",
    "limit_conn_zone",
    "limit_req",
    "limit_req_zone",
    "listen",
    "load_module",
    "log_format",
    "map",
    "more_clear_headers",
    "more_set_headers",
    "proxy_cache_path",
    "proxy_cache_valid",
    "proxy_cookie_domain",
    "proxy_cookie_path",
    "proxy_hide_header",
    "proxy_pass_header",
    "proxy_redirect",
    "proxy_set_header",
    "proxy_ssl_conf_command",
    "rewrite",
    "scgi_param",
    "server",
    "set",
    "set_real_ip_from",
    "split_clients",
    "ssl_certificate",
    "ssl_certificate_key",
    "ssl_conf_command",
    "sub_filter",
    "uwsgi_param",
    "js_import",
    "js_set",
    "lua_shared_dict",
    "otel_span_attr",
];

/// Arrays that nginx keeps as one list: a level that writes either of them
/// drops its parent's entries of both (the access module's rules).
pub const SHARED_ARRAYS: &[&[&str]] = &[&["allow", "deny"]];

/// Directives a child level does not inherit: handlers and actions of the
/// level they are written in, and `http`-only declarations.
pub const NOT_INHERITED: &[&str] = &[
    "alias",
    "api",
    "break",
    "content_by_lua",
    "content_by_lua_block",
    "content_by_lua_file",
    "empty_gif",
    "fastcgi_cache_path",
    "fastcgi_pass",
    "geo",
    "grpc_pass",
    "if",
    "internal",
    "js_content",
    "limit_conn_zone",
    "limit_except",
    "limit_req_zone",
    "log_format",
    "lua_shared_dict",
    "map",
    "memcached_pass",
    "otel_exporter",
    "proxy_cache_path",
    "proxy_pass",
    "return",
    "rewrite",
    "scgi_cache_path",
    "scgi_pass",
    "server_names_hash_bucket_size",
    "server_names_hash_max_size",
    "set",
    "split_clients",
    "stub_status",
    "try_files",
    "uwsgi_cache_path",
    "uwsgi_pass",
    "variables_hash_bucket_size",
    "variables_hash_max_size",
];

/// Server-level directives that a location carries although nginx does not
/// inherit them: facts about the server it is in (where it listens, the
/// names it serves), and the server's `return`, which nginx runs before it
/// picks a location at all.
pub const CARRIED_FROM_SERVER: &[&str] = &["listen", "return", "server_name"];

/// Declarations that other directives refer to by name, and the directive
/// argument that names them: they become objects of that kind, which the
/// references (`access_log … main`, `limit_req zone=api`) lead to.
pub const DECLARATIONS: &[(&str, Option<&str>)] = &[
    ("limit_conn_zone", Some("zone=")),
    ("limit_req_zone", Some("zone=")),
    ("log_format", None),
    ("proxy_cache_path", Some("keys_zone=")),
];

/// References to declarations: the directive, the argument (its index, or
/// its `key=` prefix), and the kind of declaration it names.
pub const REFERENCES: &[(&str, Reference, &str)] = &[
    ("access_log", Reference::Index(1), "log_format"),
    ("limit_conn", Reference::Index(0), "limit_conn_zone"),
    ("limit_req", Reference::Prefix("zone="), "limit_req_zone"),
    ("proxy_cache", Reference::Index(0), "proxy_cache_path"),
];

#[derive(Clone, Copy, Debug)]
pub enum Reference {
    Index(usize),
    Prefix(&'static str),
}

/// The main-context directives that the `http` level inherits.
pub const MAIN_TO_HTTP: &[&str] = &["error_log"];

/// Blocks whose bodies are entries (`key value;`), not directives.
pub const ENTRY_BLOCKS: &[&str] = &[
    "charset_map",
    "geo",
    "map",
    "match",
    "split_clients",
    "types",
];

/// Directives whose arguments are times: their values are numbers of
/// seconds (`1m30s` is 90, `500ms` is 0.5).
pub const TIMES: &[&str] = &[
    "client_body_timeout",
    "client_header_timeout",
    "fastcgi_connect_timeout",
    "fastcgi_read_timeout",
    "fastcgi_send_timeout",
    "grpc_connect_timeout",
    "grpc_read_timeout",
    "grpc_send_timeout",
    "keepalive_time",
    "keepalive_timeout",
    "lingering_time",
    "lingering_timeout",
    "proxy_connect_timeout",
    "proxy_next_upstream_timeout",
    "proxy_read_timeout",
    "proxy_send_timeout",
    "resolver_timeout",
    "send_timeout",
    "ssl_session_timeout",
    "uwsgi_connect_timeout",
    "uwsgi_read_timeout",
    "uwsgi_send_timeout",
    "worker_shutdown_timeout",
];

/// Directives whose arguments are sizes: their values are numbers of bytes
/// (`10m` is 10485760).
pub const SIZES: &[&str] = &[
    "client_body_buffer_size",
    "client_header_buffer_size",
    "client_max_body_size",
    "gzip_min_length",
    "large_client_header_buffers",
    "proxy_buffer_size",
    "proxy_buffers",
    "proxy_busy_buffers_size",
    "proxy_max_temp_file_size",
];

/// Where common core directives may be written, as nginx checks it (`"…"
/// directive is not allowed here`): the levels by kind. Directives not
/// listed, and everything inside upstreams and non-level blocks (`if`,
/// `events`), are not checked: modules add directives airworthy does not
/// know.
pub const CONTEXTS: &[(&str, &[&str])] = &[
    ("alias", &["location"]),
    ("events", &["main"]),
    ("fastcgi_pass", &["location"]),
    ("geo", &["http"]),
    ("grpc_pass", &["location"]),
    ("http", &["main"]),
    ("internal", &["location"]),
    ("limit_conn_zone", &["http"]),
    ("limit_except", &["location"]),
    ("limit_req_zone", &["http"]),
    ("listen", &["server"]),
    ("load_module", &["main"]),
    ("location", &["server", "location"]),
    ("log_format", &["http"]),
    ("map", &["http"]),
    ("pid", &["main"]),
    ("proxy_cache_path", &["http"]),
    ("proxy_pass", &["location"]),
    ("scgi_pass", &["location"]),
    ("server", &["http"]),
    ("server_name", &["server"]),
    ("split_clients", &["http"]),
    ("upstream", &["http"]),
    ("user", &["main"]),
    ("uwsgi_pass", &["location"]),
    ("worker_processes", &["main"]),
    ("worker_rlimit_nofile", &["main"]),
    ("worker_shutdown_timeout", &["main"]),
];

/// Whether `name` may be written at a level of `kind`, as far as
/// [`CONTEXTS`] knows.
pub fn allowed_in(name: &str, kind: &str) -> bool {
    CONTEXTS
        .iter()
        .find(|(directive, _)| *directive == name)
        .is_none_or(|(_, kinds)| kinds.contains(&kind))
}

pub fn is_array(name: &str) -> bool {
    ARRAYS.contains(&name)
}

/// An nginx time (`30`, `30s`, `1m30s`, `500ms`, `1d`) in seconds.
pub fn seconds(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (scale, unit) = if rest.starts_with("ms") {
            (0.001, 2)
        } else {
            match rest.bytes().next() {
                None => (1.0, 0),
                Some(b's') => (1.0, 1),
                Some(b'm') => (60.0, 1),
                Some(b'h') => (3600.0, 1),
                Some(b'd') => (86400.0, 1),
                Some(b'w') => (604800.0, 1),
                Some(b'M') => (2592000.0, 1),
                Some(b'y') => (31536000.0, 1),
                Some(_) => return None,
            }
        };
        total += number * scale;
        rest = &rest[unit..];
    }
    Some(total)
}

/// An nginx size (`512`, `8k`, `10m`, `1g`) in bytes.
pub fn bytes(text: &str) -> Option<f64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let number: f64 = text[..digits].parse().ok()?;
    let scale = match &text[digits..] {
        "" => 1.0,
        "k" | "K" => 1024.0,
        "m" | "M" => 1024.0 * 1024.0,
        "g" | "G" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_sizes_read_as_nginx_reads_them() {
        assert_eq!(seconds("75"), Some(75.0));
        assert_eq!(seconds("1m30s"), Some(90.0));
        assert_eq!(seconds("500ms"), Some(0.5));
        assert_eq!(seconds("1y"), Some(31536000.0));
        assert_eq!(seconds("off"), None);
        assert_eq!(seconds("5x"), None);
        assert_eq!(bytes("10m"), Some(10485760.0));
        assert_eq!(bytes("8k"), Some(8192.0));
        assert_eq!(bytes("0"), Some(0.0));
        assert_eq!(bytes("1t"), None);
    }

    #[test]
    fn tables_are_sorted_for_review() {
        let contexts: Vec<&str> = CONTEXTS.iter().map(|(d, _)| *d).collect();
        for table in [NOT_INHERITED, ENTRY_BLOCKS, TIMES, SIZES, &contexts] {
            assert!(table.windows(2).all(|w| w[0] < w[1]), "{table:?}");
        }
    }
}
