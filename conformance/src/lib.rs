//! conformance (being built; see ARCHITECTURE.md).
