//! `generate_api!`.
