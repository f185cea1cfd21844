//! vrrp (being built; see ARCHITECTURE.md).
