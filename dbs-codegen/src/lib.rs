//! Code generation from the DBS spec.
