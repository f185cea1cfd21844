//! Interim: routers need vrrp::Router, which has not landed yet. Local only, never merged.
#![allow(missing_docs)]
use crate::host::stack::Stack;
use crate::net::Mac;
use crate::scenario::{Loaded, Overrides, RouterSpec, ScenarioError};
use crate::time::Instant;
use crate::timeline::Timeline;
use serde::Serialize;
use std::net::Ipv4Addr;
pub struct RouterIo<'a> { pub stack: &'a mut Stack, pub out: &'a mut Vec<Vec<u8>>, pub timeline: &'a mut Timeline, pub node: &'a str }
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InstanceInfo { pub instance: String }
pub struct RouterHost;
impl RouterHost {
    pub fn build(l: &Loaded, s: &RouterSpec, _: Mac, _: Ipv4Addr, _: u64, _: usize) -> Result<RouterHost, ScenarioError> { Err(l.error_at(&s.name, "no router yet".into())) }
    pub fn info(&self) -> Vec<InstanceInfo> { vec![] }
    pub fn start(&mut self, _: Instant, _: &mut RouterIo<'_>) {}
    pub fn handle_frame(&mut self, _: Instant, _: &[u8], _: &mut RouterIo<'_>) {}
    pub fn poll(&mut self, _: Instant, _: &mut RouterIo<'_>) {}
    pub fn poll_timeout(&mut self) -> Option<Instant> { None }
    pub fn stop(&mut self, _: Instant, _: &mut RouterIo<'_>) {}
    pub fn crash(&mut self, _: Instant, _: &str, _: &mut Timeline) {}
    pub fn set_interface(&mut self, _: Instant, _: bool, _: &mut RouterIo<'_>) {}
    pub fn set_priority(&mut self, _: Instant, _: Option<&str>, _: u8, _: &mut RouterIo<'_>) {}
    pub fn set_script(&mut self, _: Instant, _: &str, _: bool, _: &mut RouterIo<'_>) {}
    pub fn set_file(&mut self, _: Instant, _: &str, _: i64, _: &mut RouterIo<'_>) {}
    pub fn reload(&mut self, _: Instant, _: Option<&Overrides>, _: &mut RouterIo<'_>) {}
}
