//! keepalived-conf (being built; see ARCHITECTURE.md).
