//! Hosts: a TCP/IP stack per NIC plus what runs on it (VRRP routers, clients, HTTP responders, nginx, and
//! the other services of real servers: UDP, BFD, HTTPS, SMTP, DNS).

pub mod app;
pub mod nginx;
pub mod realserver;
pub mod services;
pub mod sockets;
pub mod stack;
pub mod tls_smtp_dns;
