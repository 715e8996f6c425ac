// SPDX-License-Identifier: Apache-2.0

/// The man page `vpcdnsd(8)`, in the sections of unbound(8). `make docs` writes it to
/// `man/vpcdnsd.8`; a test checks the file is current, and another that every command-line option
/// `vpcdnsd --help` lists is described here.
public enum DaemonManPage {
    public static func text() -> String {
        """
        .\\" Written by `make docs` from Sources/VPCDNSDaemon/DaemonManPage.swift: edit that, not this file.
        .TH VPCDNSD 8 "" "vpcdns \(ConfigReference.version)" "System Manager's Manual"
        .SH NAME
        vpcdnsd \\- private DNS resolver for VPC private hosted zones and interface endpoints
        .SH SYNOPSIS
        .B vpcdnsd
        .RB [ serve ]
        .RB [ \\-\\-config
        .IR file ]
        .RB [ \\-\\-listen
        .IR address [: port ]]
        .RB [ \\-\\-zone
        .IR file [: origin ]]
        .RB [ \\-\\-upstream
        .IR address [: port ]]
        .RB [ \\-\\-log\\-level
        .IR level ]
        .br
        .B vpcdnsd check
        .RB [ \\-\\-config
        .IR file ]
        .RB [ \\-\\-listen " ...] [" \\-\\-zone " ...] [" \\-\\-upstream " ...]"
        .br
        .B vpcdnsd export
        .BI \\-\\-config " file"
        .BI \\-\\-out " directory"
        .SH DESCRIPTION
        .B vpcdnsd
        answers DNS over UDP and TCP the way a VPC's Route 53 Resolver does.
        Names in private hosted zones (zone files) and the names AWS gives interface VPC endpoints
        are answered authoritatively and never forwarded; every other name is forwarded to the
        upstreams, through a cache, following per-domain rules with Route 53's precedence.
        .PP
        It runs in the foreground and logs to standard error, one line an event; under systemd it
        speaks the notify protocol
        .RB ( Type=notify ,
        with a watchdog).
        Started with no
        .B \\-\\-config
        and no other option, it reads
        .IR /etc/vpcdnsd/vpcdnsd.yaml ,
        or when that is missing an embedded default that listens on 127.0.0.1:5353.
        .SH COMMANDS
        .TP
        .B serve
        Run the daemon (the default command).
        .TP
        .B check
        Load the configuration and every zone file it names without serving; print each problem as
        .I file:line: message
        (zone files with a column) and exit 1, or print a summary and exit 0.
        .TP
        .B export
        Run one sync of the configuration's
        .B aws
        section and write what it read into
        .BR \\-\\-out :
        the AWS CLI's JSON of the VPC's endpoints, network interfaces and subnets, one Route 53 JSON
        file per associated private hosted zone, and
        .IR vpcdnsd-aws.yaml ,
        a configuration fragment that serves them, for review in git.
        .SH OPTIONS
        .TP
        .BI \\-\\-config " file"
        The YAML configuration; see
        .BR vpcdnsd.yaml (5).
        .TP
        .BI \\-\\-listen " address" [: port ]
        Listen on this address instead of the file's
        .BR listen .
        Repeatable; the port defaults to 53.
        .TP
        .BI \\-\\-zone " file" [: origin ]
        Serve this zone file as well as the file's zones.
        Repeatable; the origin defaults to the file's $ORIGIN, else its name without .zone.
        .TP
        .BI \\-\\-upstream " address" [: port ]
        Forward to this upstream instead of the default upstreams. Repeatable.
        .TP
        .BI \\-\\-log\\-level " level"
        .BR trace ", " debug ", " info " (the default), " notice ", " warning ", " error " or " critical .
        .TP
        .BI \\-\\-out " directory"
        Where
        .B export
        writes its files.
        .TP
        .B \\-\\-version
        Print the version and exit.
        .TP
        .BR \\-h ", " \\-\\-help
        Print a summary of the options and exit.
        .SH SIGNALS
        .TP
        .B SIGHUP
        Re-read the configuration and the zone files that changed, build the new data on a
        background thread and swap it in whole; queries are answered from the old data meanwhile.
        A problem is logged as
        .I file:line: message
        and the old data keeps serving.
        Keys that take a restart keep their running value, with a warning naming them.
        With an
        .B aws
        section, an AWS sync also runs at once.
        .TP
        .BR SIGTERM ", " SIGINT
        Stop taking queries, answer those in flight (at most 2 seconds) and exit 0.
        .TP
        .B SIGUSR1
        Reopen the query log, for log rotation.
        .SH FILES
        .TP
        .I /etc/vpcdnsd/vpcdnsd.yaml
        The default configuration.
        .TP
        .I /etc/vpcdnsd/zones/
        Zone files.
        .TP
        .I /etc/systemd/system/vpcdnsd.service
        The systemd unit that make install writes.
        .TP
        .I /var/lib/vpcdnsd/aws-inventory.json
        The last good AWS sync (under
        .BR state_directory ,
        or systemd's
        .BR StateDirectory= ),
        served at a start while AWS cannot be reached.
        .SH EXIT STATUS
        0 after a clean stop, or when
        .B check
        finds no problem; 1 when the configuration has problems or the daemon cannot start.
        .SH SEE ALSO
        .BR vpcdnsd.yaml (5),
        .BR dig (1),
        .BR unbound (8),
        .BR systemd.service (5)

        """
    }
}
