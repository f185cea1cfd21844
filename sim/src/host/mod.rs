//! Hosts: a TCP/IP stack per NIC plus what runs on it (VRRP routers, clients, HTTP responders).

pub mod app;
pub mod realserver;
pub mod services;
pub mod stack;
