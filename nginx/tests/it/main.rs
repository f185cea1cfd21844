//! Integration tests of the `nginx` crate: the configuration parser (the seed file, located errors, no panic on
//! any input), the balancers against nginx's algorithms, passive failure accounting and request retries.

mod balancers;
mod conf;
mod failures;
mod props;
mod util;
