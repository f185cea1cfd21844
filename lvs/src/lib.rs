//! lvs (being built; see ARCHITECTURE.md).
