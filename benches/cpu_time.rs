//! CPU time spent, read from `/proc`: what a run cost the machine and each process in it. On a
//! shared host a rate swings with the neighbours (pgbench alone by a factor of three within hours
//! here), while the CPU a unit of work takes barely moves; comparing work per unit says whether a
//! change made the work cheaper.

// Each benchmark that includes this file uses a part of it.
#![allow(dead_code)]

/// Linux reports process and machine times in USER_HZ ticks, 100 a second on every architecture
/// it exposes to user space.
const TICK_US: f64 = 10_000.0;

/// Busy CPU time of the whole machine, and of chosen processes, at one moment.
#[derive(Clone, Copy)]
pub struct Snapshot {
    machine: u64,
    postgres: u64,
    server: u64,
    client: u64,
}

impl Snapshot {
    /// Now, with the server process `server` (the bench's own process is the client).
    pub fn take(server: u32) -> Snapshot {
        Snapshot {
            machine: machine_busy(),
            postgres: postgres(),
            server: process(server),
            client: process(std::process::id()),
        }
    }

    /// The machine's busy time since `earlier`, in µs per unit of work (`units` of it done).
    pub fn machine_us_per(&self, earlier: &Snapshot, units: usize) -> f64 {
        per(self.machine.saturating_sub(earlier.machine), units)
    }

    /// Since `earlier`, in µs per unit: PostgreSQL's processes, the server, this client.
    pub fn parts_us_per(&self, earlier: &Snapshot, units: usize) -> (f64, f64, f64) {
        let since = |now: u64, then: u64| per(now.saturating_sub(then), units);
        (
            since(self.postgres, earlier.postgres),
            since(self.server, earlier.server),
            since(self.client, earlier.client),
        )
    }
}

/// User and system time of this process so far, in seconds.
pub fn own_seconds() -> f64 {
    per(process(std::process::id()), 1) / 1_000_000.0
}

/// `ticks` of CPU time in µs per unit of work.
pub fn per(ticks: u64, units: usize) -> f64 {
    ticks as f64 * TICK_US / units.max(1) as f64
}

/// `/proc/stat`'s first line: user, nice, system, idle, iowait, irq, softirq, steal, ... Busy is
/// what ran here: steal (the host running someone else) and waiting are left out.
pub fn machine_busy() -> u64 {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    [0, 1, 2, 5, 6]
        .iter()
        .map(|&i| fields.get(i).copied().unwrap_or(0))
        .sum()
}

/// User and system time of a process and its threads (`utime`, `stime` in `/proc/<pid>/stat`).
fn process(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| times(&stat).1)
        .unwrap_or(0)
}

/// The command name and busy time from a `/proc/<pid>/stat` line; the name may hold spaces, so
/// the fields are counted from its closing parenthesis.
fn times(stat: &str) -> (&str, u64) {
    let name = stat
        .split_once('(')
        .and_then(|(_, rest)| rest.rsplit_once(')'))
        .map_or("", |(name, _)| name);
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (name, field(11) + field(12))
}

/// Every running PostgreSQL process: the server's backends for this bench's connections, and its
/// background writers. A backend that exits between two snapshots takes its time with it.
fn postgres() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
        .map(|stat| match times(&stat) {
            ("postgres", ticks) => ticks,
            _ => 0,
        })
        .sum()
}
