use keepalived_conf::{parse_str, ParseOptions};
use std::path::Path;

#[test]
fn parses_minimal_instance() {
    let p = parse_str("vrrp_instance A {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n 192.0.2.1/24 dev eth0\n }\n}\n", Path::new("t.conf"), &ParseOptions::default());
    assert_eq!(p.config.vrrp_instances.len(), 1);
    assert_eq!(p.config.vrrp_instances[0].virtual_router_id, Some(7));
    assert!(!p.has_errors(), "{}", p.render_diagnostics());
}
