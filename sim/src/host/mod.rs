//! Hosts: a TCP/IP stack per NIC plus what runs on it (VRRP routers, clients, HTTP responders, nginx).

pub mod app;
pub mod nginx;
pub mod realserver;
pub mod services;
pub mod sockets;
pub mod stack;
